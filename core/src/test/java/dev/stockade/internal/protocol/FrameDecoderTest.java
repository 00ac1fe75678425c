package dev.stockade.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The incremental decoder the supervisor reads replies with: whatever pieces the bytes arrive in,
 * it yields what {@link FrameReader} yields from the whole stream — the same frames, the same clean
 * end, the same violation in the same words — and it refuses a bad magic or an oversized length as
 * soon as those bytes are in.
 *
 * <p>The generated tests print their seed; rerun one with {@code -Dstockade.seed=<seed>}.
 */
@Timeout(10)
class FrameDecoderTest {
  private static final int MAX = 128;

  @Test
  void decodesFramesWhateverTwoPointsTheBytesAreSplitAt() throws Exception {
    List<Frame> frames =
        List.of(
            Frame.of(FrameType.HELLO, 0, Payloads.hello(1, 4242, "jvm 17")),
            Frame.of(FrameType.HEARTBEAT, 0),
            Frame.text(FrameType.RESULT, -1, "done"));
    byte[] bytes = encodeAll(frames);

    for (int first = 0; first <= bytes.length; first++) {
      for (int second = first; second <= bytes.length; second++) {
        FrameDecoder decoder = new FrameDecoder(MAX);
        List<Frame> got = new ArrayList<>();
        decoder.decode(bytes, 0, first, collect(got));
        decoder.decode(bytes, first, second - first, collect(got));
        decoder.decode(bytes, second, bytes.length - second, collect(got));
        decoder.endOfStream();

        assertThat(got).as("split at %d and %d", first, second).containsExactlyElementsOf(frames);
      }
    }
  }

  @Test
  void handsOverAFrameAsSoonAsItsLastByteIsIn() throws Exception {
    byte[] bytes = FrameWriter.encode(Frame.text(FrameType.RESULT, 3, "abc"));
    FrameDecoder decoder = new FrameDecoder(MAX);
    List<Frame> got = new ArrayList<>();

    decoder.decode(bytes, 0, bytes.length - 1, collect(got));
    assertThat(got).isEmpty();
    decoder.decode(bytes, bytes.length - 1, 1, collect(got));
    assertThat(got).containsExactly(Frame.text(FrameType.RESULT, 3, "abc"));
  }

  @Test
  void stopsAtTheFrameItsSinkRefusesAndHandsOverNothingAfterIt() throws Exception {
    List<Frame> frames =
        List.of(
            Frame.of(FrameType.HEARTBEAT, 0),
            Frame.of(FrameType.PONG, 7),
            Frame.of(FrameType.HEARTBEAT, 0));
    List<Frame> got = new ArrayList<>();
    byte[] bytes = encodeAll(frames);

    String why =
        new FrameDecoder(MAX)
            .decode(
                bytes,
                0,
                bytes.length,
                frame -> {
                  got.add(frame);
                  return frame.type() == FrameType.PONG ? "a PONG nobody asked for" : null;
                });

    assertThat(why).isEqualTo("a PONG nobody asked for");
    assertThat(got).containsExactlyElementsOf(frames.subList(0, 2));
  }

  @Test
  void refusesABadMagicAsSoonAsItsTwoBytesAreIn() {
    // A worker that prints "hi" and waits: nothing more is coming, and the decoder must not wait.
    byte[] stray = "hi".getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> new FrameDecoder(MAX).decode(stray, 0, 2, frame -> null))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("bad magic 0x6869")
        .hasMessageContaining("stdout");
  }

  @Test
  void refusesAnOversizedLengthFromTheHeaderAlone() {
    byte[] header = Arrays.copyOf(FrameWriter.encode(Frame.of(FrameType.RESULT, 1)), 16);
    header[12] = (byte) 0xFF;
    header[13] = (byte) 0xFF;
    header[14] = (byte) 0xFF;
    header[15] = (byte) 0xFF;

    assertThatThrownBy(() -> new FrameDecoder(MAX).decode(header, 0, 16, frame -> null))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("4294967295 bytes is over maxFrameSize (128 bytes)");
  }

  @Test
  void endsCleanlyBetweenFramesOnly() throws Exception {
    byte[] whole = FrameWriter.encode(Frame.text(FrameType.RESULT, 5, "abcde"));
    new FrameDecoder(MAX).endOfStream();

    for (int cut = 1; cut < whole.length; cut++) {
      FrameDecoder decoder = new FrameDecoder(MAX);
      decoder.decode(whole, 0, cut, frame -> null);
      String expected =
          cut < 16
              ? "truncated frame: the stream ended after " + cut + " of 16 bytes of the header"
              : "truncated frame: the stream ended after "
                  + (cut - 16)
                  + " of 5 bytes of the RESULT payload of 5 bytes";

      assertThatThrownBy(decoder::endOfStream)
          .as("cut after %d bytes", cut)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessage(expected);
    }
  }

  @Test
  void agreesWithTheBlockingReaderOnGeneratedStreams() {
    long seed = Long.getLong("stockade.seed", System.nanoTime());
    System.out.println(
        "FrameDecoderTest seed: " + seed + " (rerun with -Dstockade.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int i = 0; i < 3_000; i++) {
      byte[] bytes = encodeAll(randomFrames(random));
      if (random.nextBoolean()) {
        bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
      }
      if (random.nextBoolean()) {
        bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      }
      String where = String.format("seed %d, stream %d", seed, i);

      Outcome read = readWhole(bytes);
      Outcome wholePiece = decodeInPieces(bytes, null);
      Outcome pieces = decodeInPieces(bytes, random);

      assertThat(wholePiece).as(where + ", in one piece").isEqualTo(read);
      assertThat(pieces.frames).as(where + ", in pieces").isEqualTo(read.frames);
      assertThat(cutAtTheShownBytes(pieces.violation))
          .as(where + ", in pieces")
          .isEqualTo(cutAtTheShownBytes(read.violation));
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The frames a stream gave, then null at its clean end or the violation's message. */
  private record Outcome(List<Frame> frames, String violation) {}

  private static Outcome readWhole(byte[] bytes) {
    FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes), MAX);
    List<Frame> frames = new ArrayList<>();
    try {
      for (Frame f = reader.next(); f != null; f = reader.next()) {
        frames.add(f);
      }
      return new Outcome(frames, null);
    } catch (ProtocolViolation e) {
      return new Outcome(frames, e.getMessage());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** In pieces of random sizes, or in one piece if {@code random} is null. */
  private static Outcome decodeInPieces(byte[] bytes, Random random) {
    FrameDecoder decoder = new FrameDecoder(MAX);
    List<Frame> frames = new ArrayList<>();
    try {
      int at = 0;
      while (at < bytes.length) {
        int n = random == null ? bytes.length : 1 + random.nextInt(bytes.length - at);
        n = Math.min(n, bytes.length - at);
        decoder.decode(bytes, at, n, collect(frames));
        at += n;
      }
      decoder.endOfStream();
      return new Outcome(frames, null);
    } catch (ProtocolViolation e) {
      return new Outcome(frames, e.getMessage());
    }
  }

  /** A bad magic's message quotes the bytes that were in: fewer when they came in pieces. */
  private static String cutAtTheShownBytes(String violation) {
    if (violation == null) {
      return null;
    }
    int shown = violation.indexOf("; the first bytes were");
    return shown < 0 ? violation : violation.substring(0, shown);
  }

  private static FrameDecoder.FrameSink collect(List<Frame> into) {
    return frame -> {
      into.add(frame);
      return null;
    };
  }

  private static byte[] encodeAll(List<Frame> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame frame : frames) {
      out.writeBytes(FrameWriter.encode(frame));
    }
    return out.toByteArray();
  }

  // A random pick among the types: their order does not matter.
  @SuppressWarnings("EnumOrdinal")
  private static List<Frame> randomFrames(Random random) {
    List<Frame> frames = new ArrayList<>();
    int count = 1 + random.nextInt(5);
    for (int i = 0; i < count; i++) {
      FrameType type = FrameType.values()[random.nextInt(FrameType.values().length)];
      byte[] payload = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(MAX + 1)];
      random.nextBytes(payload);
      frames.add(Frame.of(type, random.nextLong(), payload));
    }
    return frames;
  }
}
