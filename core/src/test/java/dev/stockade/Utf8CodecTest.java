package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code Codec.utf8()} refuses what UTF-8 cannot carry, both ways, and says where. */
@ExtendWith(NoLeakedProcesses.class)
class Utf8CodecTest {
  private final Codec<String> utf8 = Codec.utf8();

  @Test
  void encodesTextAndSurrogatePairsAndQuestionMarksAsUtf8() throws Exception {
    String text = "naïve? \uD83D\uDE00 ok?";
    assertThat(utf8.encode(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    assertThat(utf8.decode(utf8.encode(text))).isEqualTo(text);
  }

  @Test
  void refusesToEncodeALoneHighSurrogateNamingItsIndex() {
    assertThatThrownBy(() -> utf8.encode("ab?\uD800c"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "text must be valid UTF-16 to encode as UTF-8, but had a lone surrogate "
                + "U+D800 at index 3");
  }

  @Test
  void refusesToEncodeALowSurrogateWithoutItsPartnerOrAHighOneAtTheEnd() {
    assertThatThrownBy(() -> utf8.encode("\uDC00\uD83D\uDE00"))
        .hasMessageEndingWith("lone surrogate U+DC00 at index 0");
    assertThatThrownBy(() -> utf8.encode("\uD83D\uDE00\uD83D"))
        .hasMessageEndingWith("lone surrogate U+D83D at index 2");
  }

  @Test
  void refusesToDecodeMalformedBytesNamingTheOffsetAndTheBytes() {
    assertThatThrownBy(() -> utf8.decode(new byte[] {'a', 'b', (byte) 0xff, 'c'}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "bytes must be valid UTF-8, but byte 2 of 4 begins a malformed sequence " + "(ff)");
  }

  @Test
  void refusesToDecodeATruncatedSequence() {
    // The first two bytes of the three of '€' (e2 82 ac), then the end.
    assertThatThrownBy(() -> utf8.decode(new byte[] {'a', (byte) 0xe2, (byte) 0x82}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "bytes must be valid UTF-8, but byte 1 of 3 begins a " + "malformed sequence (e2");
  }

  @Test
  void submitThrowsIllegalArgumentExceptionForALoneSurrogate() {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().build()) {
      assertThatThrownBy(() -> pool.submit("echo:\uD800"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lone surrogate U+D800 at index 5");
      assertThat(pool.snapshot().workers()).as("nothing was started for it").isEmpty();
    }
  }
}
