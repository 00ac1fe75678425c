package dev.stockade.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The structured payloads of {@code docs/protocol.md}: HELLO (version, pid, runtime text) and ERROR
 * (string fields type and message, then the trace), and the rule that all text is UTF-8.
 *
 * <p>The generated tests draw from a {@link Random} whose seed is printed and named in every
 * failure; rerun one with {@code -Dstockade.seed=<seed>}.
 */
@Timeout(10)
class PayloadsTest {
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  /** Byte sequences that are not UTF-8, each for its own reason. */
  private static final String[] NOT_UTF8 = {
    "80", // a continuation byte with no lead
    "e2 82", // a three-byte character cut short
    "c0 af", // an overlong encoding of '/'
    "ed a0 80", // an encoded surrogate (CESU-8)
    "f4 90 80 80", // a code point above U+10FFFF
    "ff", // a byte UTF-8 never uses
  };

  // ---- HELLO -------------------------------------------------------------------------------

  @Test
  void roundTripsAHello() throws Exception {
    byte[] payload = Payloads.hello(Payloads.PROTOCOL_VERSION, 31337, "python 3.11.2");

    assertThat(Payloads.hello(payload)).isEqualTo(new Payloads.Hello(2, 31337, "python 3.11.2"));
  }

  @Test
  void encodesAHelloExactlyAsTheSpecificationLaysItOut() {
    byte[] payload = Payloads.hello(1, 0x3039, "jvm 17");

    assertThat(HEX.formatHex(payload)).isEqualTo("00 01 00 00 30 39 6a 76 6d 20 31 37");
  }

  @Test
  void readsTheVersionAndThePidAsUnsignedNumbers() throws Exception {
    byte[] payload = HEX.parseHex("ff ff ff ff ff ff");

    Payloads.Hello hello = Payloads.hello(payload);

    assertThat(hello.version()).isEqualTo(0xFFFF);
    assertThat(hello.pid()).isEqualTo(0xFFFF_FFFFL);
  }

  @Test
  void acceptsAHelloWithAnEmptyRuntimeName() throws Exception {
    assertThat(Payloads.hello(HEX.parseHex("00 01 00 00 00 07")))
        .isEqualTo(new Payloads.Hello(1, 7, ""));
  }

  @Test
  void keepsNonAsciiTextInTheRuntimeName() throws Exception {
    String runtime = "nöde 22 ✓ 🚀";

    assertThat(Payloads.hello(Payloads.hello(1, 1, runtime)).runtime()).isEqualTo(runtime);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 5})
  void rejectsAHelloShorterThanVersionAndPid(int length) {
    assertThatThrownBy(() -> Payloads.hello(new byte[length]))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("HELLO")
        .hasMessageContaining("at least 6 bytes, but had " + length);
  }

  @Test
  void rejectsAHelloWhoseRuntimeNameIsNotUtf8() {
    for (String bad : NOT_UTF8) {
      byte[] payload = concat(HEX.parseHex("00 01 00 00 00 07"), HEX.parseHex(bad));

      assertThatThrownBy(() -> Payloads.hello(payload))
          .as(bad)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("HELLO runtime is not valid UTF-8");
    }
  }

  // ---- ERROR -------------------------------------------------------------------------------

  @Test
  void roundTripsAnError() throws Exception {
    String trace = "Traceback (most recent call last):\n  File \"h.py\", line 3\nValueError\n";
    byte[] payload = Payloads.error("ValueError", "naïve input ✓ 😀", trace);

    assertThat(Payloads.error(payload))
        .isEqualTo(new Payloads.ErrorReply("ValueError", "naïve input ✓ 😀", trace));
  }

  @Test
  void roundTripsAnErrorWhoseFieldsAreAllEmpty() throws Exception {
    byte[] payload = Payloads.error("", "", "");

    assertThat(payload).hasSize(8);
    assertThat(Payloads.error(payload)).isEqualTo(new Payloads.ErrorReply("", "", ""));
  }

  @Test
  void encodesAnErrorExactlyAsTheSpecificationLaysItOut() {
    byte[] payload = Payloads.error("E", "bad", "t\n");

    assertThat(HEX.formatHex(payload)).isEqualTo("00 00 00 01 45 00 00 00 03 62 61 64 74 0a");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void rejectsAnErrorThatEndsInsideTheLengthOfItsType(int length) {
    assertThatThrownBy(() -> Payloads.error(new byte[length]))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("ends inside the length of its type field");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3})
  void rejectsAnErrorThatEndsInsideTheLengthOfItsMessage(int length) {
    byte[] payload = concat(HEX.parseHex("00 00 00 01 45"), new byte[length]);

    assertThatThrownBy(() -> Payloads.error(payload))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("ends inside the length of its message field");
  }

  @Test
  void rejectsAnErrorWhoseTypeRunsPastTheEnd() {
    byte[] payload = HEX.parseHex("00 00 00 05 45 72 72");

    assertThatThrownBy(() -> Payloads.error(payload))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("type field claims 5 bytes but only 3 remain");
  }

  @Test
  void rejectsAnErrorWhoseMessageRunsPastTheEnd() {
    byte[] payload = HEX.parseHex("00 00 00 01 45 00 00 00 09 62 61 64");

    assertThatThrownBy(() -> Payloads.error(payload))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("message field claims 9 bytes but only 3 remain");
  }

  @ParameterizedTest
  @ValueSource(strings = {"80 00 00 00", "ff ff ff ff", "7f ff ff ff"})
  void readsAFieldLengthAsUnsignedSoAHugeOneRunsPastTheEndRatherThanBackwards(String length) {
    byte[] payload = concat(HEX.parseHex(length), "E".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> Payloads.error(payload))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining(
            "type field claims "
                + Long.parseLong(length.replace(" ", ""), 16)
                + " bytes but only 1 remain");
  }

  @Test
  void rejectsAnErrorWhoseTypeIsNotUtf8() {
    for (String bad : NOT_UTF8) {
      byte[] text = HEX.parseHex(bad);
      byte[] payload = concat(lengthOf(text), text, lengthOf(new byte[0]));

      assertThatThrownBy(() -> Payloads.error(payload))
          .as(bad)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("ERROR type is not valid UTF-8");
    }
  }

  @Test
  void rejectsAnErrorWhoseMessageIsNotUtf8() {
    for (String bad : NOT_UTF8) {
      byte[] text = HEX.parseHex(bad);
      byte[] payload = concat(lengthOf(new byte[0]), lengthOf(text), text);

      assertThatThrownBy(() -> Payloads.error(payload))
          .as(bad)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("ERROR message is not valid UTF-8");
    }
  }

  @Test
  void rejectsAnErrorWhoseTraceIsNotUtf8() {
    for (String bad : NOT_UTF8) {
      byte[] payload =
          concat(
              lengthOf(new byte[0]),
              lengthOf(new byte[0]),
              "ok ".getBytes(StandardCharsets.UTF_8),
              HEX.parseHex(bad));

      assertThatThrownBy(() -> Payloads.error(payload))
          .as(bad)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("ERROR trace is not valid UTF-8");
    }
  }

  @Test
  void decodesEachStringFieldOnItsOwnSoACharacterCannotStraddleTwoFields() {
    // "é" is c3 a9; a type field of length 1 holds only its first byte.
    byte[] payload = HEX.parseHex("00 00 00 01 c3 00 00 00 01 a9");

    assertThatThrownBy(() -> Payloads.error(payload))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("ERROR type is not valid UTF-8");
  }

  // ---- PROGRESS text -----------------------------------------------------------------------

  @Test
  void decodesAProgressNoteIncludingAnEmptyOne() throws Exception {
    assertThat(Payloads.text("50% ✓".getBytes(StandardCharsets.UTF_8), "PROGRESS note"))
        .isEqualTo("50% ✓");
    assertThat(Payloads.text(new byte[0], "PROGRESS note")).isEmpty();
  }

  @Test
  void rejectsAProgressNoteThatIsNotUtf8NamingWhatItWas() {
    for (String bad : NOT_UTF8) {
      assertThatThrownBy(() -> Payloads.text(HEX.parseHex(bad), "PROGRESS note"))
          .as(bad)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("PROGRESS note is not valid UTF-8");
    }
  }

  // ---- generated inputs --------------------------------------------------------------------

  @Test
  @Timeout(5)
  void anyBytesDecodeAsAHelloOrAnErrorOnlyIntoAResultOrAViolation() {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < 10_000; i++) {
      byte[] bytes = randomErrorish(random);
      String where = String.format("seed %d, input %d: %s", seed, i, HEX.formatHex(bytes));

      assertOnlyResultOrViolation(where + " as HELLO", () -> Payloads.hello(bytes));
      assertOnlyResultOrViolation(where + " as ERROR", () -> Payloads.error(bytes));
      assertOnlyResultOrViolation(where + " as text", () -> Payloads.text(bytes, "note"));
    }
  }

  @Test
  @Timeout(5)
  void anyTextRoundTripsThroughHelloAndError() throws Exception {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      String type = randomText(random);
      String message = randomText(random);
      String trace = randomText(random);
      long pid = random.nextLong() & 0xFFFF_FFFFL;
      String where = String.format("seed %d, case %d", seed, i);

      assertThat(Payloads.error(Payloads.error(type, message, trace)))
          .as(where)
          .isEqualTo(new Payloads.ErrorReply(type, message, trace));
      assertThat(Payloads.hello(Payloads.hello(1, pid, trace)))
          .as(where)
          .isEqualTo(new Payloads.Hello(1, pid, trace));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private interface Decoding {
    Object decode() throws ProtocolViolation;
  }

  private static void assertOnlyResultOrViolation(String where, Decoding decoding) {
    try {
      assertThat(decoding.decode()).as(where).isNotNull();
    } catch (ProtocolViolation expected) {
      // fine: malformed bytes are a violation
    } catch (Throwable other) {
      throw new AssertionError(
          where + ": expected a result or a ProtocolViolation, but got " + other, other);
    }
  }

  private static long seed() {
    long seed = Long.getLong("stockade.seed", System.nanoTime());
    System.out.println("PayloadsTest seed: " + seed + " (rerun with -Dstockade.seed=" + seed + ")");
    return seed;
  }

  /**
   * Random bytes, often shaped like an ERROR so decoding gets past the length checks: field lengths
   * that fit, or just miss, or have the top bit set; ASCII or multi-byte text.
   */
  private static byte[] randomErrorish(Random random) {
    byte[] bytes = new byte[random.nextInt(48)];
    random.nextBytes(bytes);
    if (random.nextBoolean()) {
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = random.nextInt(8) == 0 ? bytes[i] : (byte) (0x20 + random.nextInt(0x5F));
      }
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    for (int field = 0; field < 2 && buffer.remaining() >= 4 && random.nextInt(4) != 0; field++) {
      int remaining = buffer.remaining() - 4;
      int length =
          switch (random.nextInt(4)) {
            case 0 -> random.nextInt(remaining + 1);
            case 1 -> remaining + 1 + random.nextInt(4);
            case 2 -> random.nextInt(); // anything, including the top bit set
            default -> random.nextInt(Math.max(1, remaining / 2));
          };
      buffer.putInt(length);
      if (length >= 0 && length <= buffer.remaining()) {
        buffer.position(buffer.position() + length);
      } else {
        break;
      }
    }
    return bytes;
  }

  /** Random text of any code points outside the surrogates, so it is valid UTF-16 and UTF-8. */
  private static String randomText(Random random) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(20);
    for (int i = 0; i < length; i++) {
      int codePoint =
          switch (random.nextInt(4)) {
            case 0 -> random.nextInt(0x80);
            case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
            case 2 -> 0xE000 + random.nextInt(0x10000 - 0xE000);
            default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
          };
      text.appendCodePoint(codePoint);
    }
    return text.toString();
  }

  private static byte[] lengthOf(byte[] text) {
    return ByteBuffer.allocate(4).putInt(text.length).array();
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteBuffer buffer = ByteBuffer.allocate(length);
    for (byte[] part : parts) {
      buffer.put(part);
    }
    return buffer.array();
  }
}
