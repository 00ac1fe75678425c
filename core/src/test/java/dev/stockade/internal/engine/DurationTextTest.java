package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations as configuration writes them. */
class DurationTextTest {
  static Stream<Arguments> texts() {
    return Stream.of(
        Arguments.of("250ns", Duration.ofNanos(250)),
        Arguments.of("50us", Duration.ofNanos(50_000)),
        Arguments.of("50µs", Duration.ofNanos(50_000)),
        Arguments.of("500ms", Duration.ofMillis(500)),
        Arguments.of(" 30 s ", Duration.ofSeconds(30)),
        Arguments.of("10m", Duration.ofMinutes(10)),
        Arguments.of("2H", Duration.ofHours(2)),
        Arguments.of("1d", Duration.ofDays(1)),
        Arguments.of("-1s", Duration.ofSeconds(-1)),
        Arguments.of("PT1M30S", Duration.ofSeconds(90)),
        Arguments.of("pt0.5s", Duration.ofMillis(500)));
  }

  @ParameterizedTest
  @MethodSource("texts")
  void readsAWholeNumberAndAUnitOrIso8601(String text, Duration expected) {
    assertThat(DurationText.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"30", "", "1.5s", "30 seconds", "PT", "s", "99999999999999999999d"})
  void refusesTextThatIsNoDurationSayingWhatIsAllowed(String text) {
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(DurationText.ALLOWED);
  }
}
