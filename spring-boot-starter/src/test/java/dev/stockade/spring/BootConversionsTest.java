package dev.stockade.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.MemorySize;
import dev.stockade.internal.engine.DurationText;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;

/**
 * The sizes and durations a Boot application writes mean to a pool what they mean to Boot: {@code
 * 512MB} is Boot's {@link DataSize} (binary), {@code 30s} or {@code PT30S} Boot's {@link
 * DurationStyle}. The one difference: a bare number, which Boot reads as milliseconds, is refused
 * by the pool as a duration (it names no unit), so a setting never silently means something else.
 */
class BootConversionsTest {
  @ParameterizedTest
  @ValueSource(strings = {"512MB", "1GB", "64KB", "10B", "4096", "2TB", "768MB", "1KB", "0B"})
  void aSizeMeansWhatItMeansToBoot(String text) {
    assertThat(MemorySize.parse(text).toBytes()).isEqualTo(DataSize.parse(text).toBytes());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "30s", "500ms", "2m", "1h", "3d", "250us", "100ns", "PT30S", "PT1M30S", "P1D", "0s", "-5s"
      })
  void aDurationMeansWhatItMeansToBoot(String text) {
    assertThat(DurationText.parse(text)).isEqualTo(DurationStyle.detectAndParse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"30000", "500"})
  void aBareNumberIsAMillisecondCountToBootButRefusedAsADuration(String text) {
    assertThat(DurationStyle.detectAndParse(text).toMillis()).isEqualTo(Long.parseLong(text));
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a whole number and a unit");
  }
}
