package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A memory size read from text, as configuration files and the JVM's options write it. */
class MemorySizeTest {
  static Stream<Arguments> texts() {
    return Stream.of(
        Arguments.of("4096", 4096L),
        Arguments.of("17B", 17L),
        Arguments.of("1kb", 1024L),
        Arguments.of("1 KiB", 1024L),
        Arguments.of("512MiB", 512L << 20),
        Arguments.of("512 MB", 512L << 20),
        Arguments.of("512m", 512L << 20),
        Arguments.of("2g", 2L << 30),
        Arguments.of("2GB", 2L << 30),
        Arguments.of("1.5 GiB", 3L << 29),
        Arguments.of(" 3T ", 3L << 40),
        Arguments.of("0", 0L));
  }

  @ParameterizedTest
  @MethodSource("texts")
  void readsANumberAndABinaryUnitInAnyCase(String text, long bytes) {
    assertThat(MemorySize.parse(text).toBytes()).isEqualTo(bytes);
  }

  @Test
  void readsItsOwnTextBackToWithinItsRounding() {
    for (MemorySize size :
        new MemorySize[] {
          MemorySize.ofBytes(999), MemorySize.ofMebibytes(512), MemorySize.ofGibibytes(3)
        }) {
      assertThat(MemorySize.parse(size.toString())).isEqualTo(size);
    }
    // 1,500 bytes print as "1.5 KiB", which is 1,536 bytes: the text's own rounding.
    assertThat(MemorySize.parse(MemorySize.ofBytes(1500).toString()).toBytes()).isEqualTo(1536);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "MB", "-1MB", "12 parsecs", "1,5g", "0x10M", "1e3", "2 G B"})
  void refusesTextThatIsNotASizeNamingTheTextAndWhatIsAllowed(String text) {
    assertThatThrownBy(() -> MemorySize.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was '" + text + "'")
        .hasMessageContaining("K/KB/KiB")
        .hasMessageContaining("such as 512MiB or 2g");
  }

  @Test
  void refusesASizeBeyondALongOfBytes() {
    assertThatThrownBy(() -> MemorySize.parse("9000000 TiB"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a memory size must fit in a long of bytes, but was '9000000 TiB'");
  }
}
