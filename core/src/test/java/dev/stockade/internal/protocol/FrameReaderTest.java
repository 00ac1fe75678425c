package dev.stockade.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The frame layer of {@code docs/protocol.md}: what {@link FrameWriter} puts on the wire and what
 * {@link FrameReader} accepts, rejects, and never does (allocate what a header claims, throw
 * anything but a {@link ProtocolViolation} for bad bytes, hang on a finite stream).
 *
 * <p>The generated tests draw from a {@link Random} whose seed is printed and named in every
 * failure; rerun one with {@code -Dstockade.seed=<seed>}.
 */
@Timeout(10)
class FrameReaderTest {
  private static final int MAX = 1 << 20;
  private static final long[] IDS = {0, 1, 42, Long.MAX_VALUE, -1, Long.MIN_VALUE};
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  // ---- round trips -------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(FrameType.class)
  void roundTripsAFrameOfEveryTypeWithAnyId(FrameType type) throws Exception {
    for (long id : IDS) {
      Frame frame = Frame.text(type, id, "payload of " + type);

      assertThat(readAll(FrameWriter.encode(frame)))
          .as("id %s", Long.toUnsignedString(id))
          .containsExactly(frame);
    }
  }

  @ParameterizedTest
  @EnumSource(FrameType.class)
  void roundTripsAnEmptyPayload(FrameType type) throws Exception {
    Frame frame = Frame.of(type, 7);

    assertThat(FrameWriter.encode(frame)).hasSize(16);
    assertThat(readAll(FrameWriter.encode(frame))).containsExactly(frame);
  }

  @Test
  void roundTripsAPayloadOfExactlyMaxFrameSize() throws Exception {
    byte[] payload = new byte[MAX];
    new Random(1).nextBytes(payload);
    Frame frame = Frame.of(FrameType.RESULT, 3, payload);

    assertThat(readAll(FrameWriter.encode(frame))).containsExactly(frame);
  }

  @Test
  void encodesTheHeaderExactlyAsTheSpecificationLaysItOut() {
    byte[] bytes = FrameWriter.encode(Frame.text(FrameType.TASK, 0x0102030405060708L, "abc"));

    assertThat(HEX.formatHex(bytes))
        .isEqualTo("53 4b 02 00 01 02 03 04 05 06 07 08 00 00 00 03 61 62 63");
  }

  @Test
  void writesAndReadsTheIdAsAnUnsigned64BitNumber() throws Exception {
    byte[] bytes = FrameWriter.encode(Frame.of(FrameType.PING, -1));

    assertThat(Arrays.copyOfRange(bytes, 4, 12)).containsOnly((byte) 0xFF);
    Frame read = readAll(bytes).get(0);
    assertThat(Long.toUnsignedString(read.id())).isEqualTo("18446744073709551615");
  }

  @Test
  void readsTheLengthAsAnUnsigned32BitNumber() throws Exception {
    byte[] bytes = header(FrameType.RESULT.code(), 0, 1, 0x0000_0100L);

    Frame read = new FrameReader(stream(bytes, new byte[256]), MAX).next();

    assertThat(read.payload()).hasSize(256);
  }

  @Test
  void readsFramesBackToBackAndThenNullAtTheCleanEndOfTheStream() throws Exception {
    List<Frame> frames =
        List.of(
            Frame.of(FrameType.HELLO, 0, Payloads.hello(1, 4242, "jvm 17")),
            Frame.of(FrameType.HEARTBEAT, 0),
            Frame.text(FrameType.PROGRESS, 1, "halfway"),
            Frame.text(FrameType.RESULT, 1, "done"),
            Frame.of(FrameType.PONG, 99));

    assertThat(readAll(encodeAll(frames))).containsExactlyElementsOf(frames);
  }

  @Test
  void returnsNullForAStreamThatEndsBeforeAnyFrame() throws Exception {
    assertThat(new FrameReader(stream(), MAX).next()).isNull();
  }

  @Test
  void keepsReturningNullOnceTheStreamHasEnded() throws Exception {
    FrameReader reader =
        new FrameReader(stream(FrameWriter.encode(Frame.of(FrameType.HEARTBEAT, 0))), MAX);

    assertThat(reader.next()).isNotNull();
    assertThat(reader.next()).isNull();
    assertThat(reader.next()).isNull();
  }

  @Test
  void decodesAStreamThatDeliversOneByteAtATime() throws Exception {
    List<Frame> frames = new ArrayList<>();
    for (FrameType type : FrameType.values()) {
      frames.add(Frame.text(type, type.code() * 1000L, type + " " + "x".repeat(type.code())));
      frames.add(Frame.of(type, -type.code()));
    }
    FrameReader reader = new FrameReader(new OneByteAtATime(stream(encodeAll(frames))), MAX);

    assertThat(drain(reader)).containsExactlyElementsOf(frames);
  }

  // ---- malformed headers -------------------------------------------------------------------

  @Test
  void rejectsBadMagicNamingTheBytesAndPointingAtStdout() {
    byte[] stray = "Hello from print()\n".getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> new FrameReader(stream(stray), MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("bad magic 0x4865")
        .hasMessageContaining("Hello from")
        .hasMessageContaining("stdout");
  }

  @Test
  void rejectsBadMagicAsSoonAsTwoBytesArriveEvenIfTheStreamThenEnds() {
    // A worker that prints "ok" and dies: the supervisor must say "something wrote to stdout",
    // not "truncated frame".
    byte[] stray = "ok".getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> new FrameReader(stream(stray), MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("bad magic 0x6F6B")
        .hasMessageContaining("stdout");
  }

  @Test
  void rejectsBadMagicWithoutWaitingForTheRestOfTheHeader() {
    // A worker that prints "hi" and then waits: the reader must not block for 14 more bytes.
    InputStream printedThenSilent =
        new Guarded(
            stream("hi".getBytes(StandardCharsets.US_ASCII)),
            2,
            "the reader waited for the rest of a header whose magic was already wrong");

    assertThatThrownBy(() -> new FrameReader(printedThenSilent, MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("bad magic 0x6869");
  }

  @ParameterizedTest
  @ValueSource(ints = {0x00, 0x0D, 0x7F, 0xFF})
  void rejectsAnUnknownType(int code) {
    byte[] bytes = header(code, 0, 1, 0);

    assertThatThrownBy(() -> new FrameReader(stream(bytes), MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining(String.format("unknown frame type 0x%02X", code));
  }

  @ParameterizedTest
  @ValueSource(ints = {0x01, 0x02, 0x80, 0xFF})
  void rejectsNonZeroFlags(int flags) {
    byte[] bytes = header(FrameType.RESULT.code(), flags, 1, 0);

    assertThatThrownBy(() -> new FrameReader(stream(bytes), MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("flags")
        .hasMessageContaining(String.format("0x%02X", flags));
  }

  @Test
  void rejectsAFrameOneByteLongerThanMaxFrameSize() {
    byte[] bytes = header(FrameType.RESULT.code(), 0, 1, 101);

    assertThatThrownBy(() -> new FrameReader(stream(bytes, new byte[101]), 100).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("101 bytes is over maxFrameSize (100 bytes)");
  }

  @ParameterizedTest
  @ValueSource(longs = {1L << 31, 0xFFFF_FFFFL})
  void rejectsAFrameLongerThanMaxFrameSizeBeforeReadingIt(long claimed) {
    // Nothing follows the header: a reader that allocated or read the payload would fail with
    // OutOfMemoryError or "truncated", not with the size violation.
    byte[] bytes = header(FrameType.RESULT.code(), 0, 1, claimed);
    InputStream headerOnly =
        new Guarded(
            stream(bytes), 16, "the reader read past a header whose length was over maxFrameSize");

    assertThatThrownBy(() -> new FrameReader(headerOnly, MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining(claimed + " bytes is over maxFrameSize (" + MAX + " bytes)")
        .hasMessageNotContaining("truncated");
  }

  // ---- truncation --------------------------------------------------------------------------

  @Test
  void reportsATruncatedHeaderAtEveryCutPointInsideIt() {
    byte[] whole = FrameWriter.encode(Frame.text(FrameType.RESULT, 5, "abcde"));

    for (int cut = 1; cut < 16; cut++) {
      byte[] part = Arrays.copyOf(whole, cut);

      assertThatThrownBy(() -> new FrameReader(stream(part), MAX).next())
          .as("cut after %d bytes", cut)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining(
              "truncated frame: the stream ended after " + cut + " of 16 bytes of the header");
    }
  }

  @Test
  void reportsATruncatedPayloadAtEveryCutPointInsideIt() {
    byte[] whole = FrameWriter.encode(Frame.text(FrameType.RESULT, 5, "abcde"));

    for (int cut = 16; cut < whole.length; cut++) {
      byte[] part = Arrays.copyOf(whole, cut);

      assertThatThrownBy(() -> new FrameReader(stream(part), MAX).next())
          .as("cut after %d bytes", cut)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining(
              "truncated frame: the stream ended after "
                  + (cut - 16)
                  + " of 5 bytes of the RESULT payload");
    }
  }

  @Test
  void deliversTheFramesBeforeATruncatedOneAndThenReportsTheTruncation() throws Exception {
    Frame first = Frame.text(FrameType.PROGRESS, 2, "note");
    byte[] second = FrameWriter.encode(Frame.text(FrameType.RESULT, 2, "answer"));

    for (int cut = 1; cut < second.length; cut++) {
      FrameReader reader =
          new FrameReader(stream(FrameWriter.encode(first), Arrays.copyOf(second, cut)), MAX);

      assertThat(reader.next()).as("cut after %d bytes", cut).isEqualTo(first);
      assertThatThrownBy(reader::next)
          .as("cut after %d bytes", cut)
          .isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("truncated frame");
    }
  }

  @Test
  void treatsAnEofExceptionFromTheStreamAsATruncatedFrame() {
    byte[] whole = FrameWriter.encode(Frame.text(FrameType.RESULT, 5, "abcde"));
    InputStream eofThrowing =
        new FilterInputStream(stream(Arrays.copyOf(whole, 18))) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
              throw new EOFException();
            }
            return n;
          }
        };

    assertThatThrownBy(() -> new FrameReader(eofThrowing, MAX).next())
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("truncated frame");
  }

  @Test
  void letsAFailureToReadThroughAsAnIoExceptionNotAViolation() {
    InputStream broken =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("pipe broke");
          }

          @Override
          public int read(byte[] into, int offset, int length) throws IOException {
            throw new IOException("pipe broke");
          }
        };

    assertThatThrownBy(() -> new FrameReader(broken, MAX).next())
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("pipe broke");
  }

  // ---- generated inputs --------------------------------------------------------------------

  private static final int FUZZ_MAX = 128;

  @Test
  @Timeout(5)
  void anyBytesYieldFramesTheEndOrAViolationAndNothingElse() {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < 10_000; i++) {
      byte[] bytes = randomHeaderish(random);
      boolean slow = random.nextBoolean();
      String where =
          String.format(
              "seed %d, input %d (%s): %s",
              seed, i, slow ? "one byte per read" : "whole", HEX.formatHex(bytes));
      InputStream in = slow ? new OneByteAtATime(stream(bytes)) : stream(bytes);

      Outcome outcome = decode(new FrameReader(in, FUZZ_MAX), bytes.length, where);

      for (Frame frame : outcome.frames) {
        assertThat(frame.payload().length).as(where).isLessThanOrEqualTo(FUZZ_MAX);
      }
    }
  }

  @Test
  @Timeout(5)
  void validSequencesDecodeExactlyAndCorruptedOnesOnlyIntoFramesOrAViolation() {
    long seed = seed();
    Random random = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      List<Frame> frames = randomFrames(random);
      byte[] bytes = encodeAll(frames);
      String where = String.format("seed %d, sequence %d: %s", seed, i, frames);

      Outcome exact = decode(new FrameReader(stream(bytes), FUZZ_MAX), bytes.length, where);
      assertThat(exact.violation).as(where).isNull();
      assertThat(exact.frames).as(where).containsExactlyElementsOf(frames);

      // One byte changed: the frames before the changed one still come through unchanged.
      byte[] mutated = bytes.clone();
      int at = random.nextInt(bytes.length);
      mutated[at] ^= (byte) (1 + random.nextInt(255));
      int intact = framesEndingBy(frames, at);
      String mutation = where + String.format(", byte %d changed to 0x%02X", at, mutated[at]);

      Outcome changed = decode(new FrameReader(stream(mutated), FUZZ_MAX), bytes.length, mutation);
      assertThat(changed.frames.size()).as(mutation).isGreaterThanOrEqualTo(intact);
      assertThat(changed.frames.subList(0, intact))
          .as(mutation)
          .containsExactlyElementsOf(frames.subList(0, intact));

      // Cut short: exactly the whole frames before the cut, then a violation unless the cut
      // falls between two frames.
      int cut = random.nextInt(bytes.length);
      int whole = framesEndingBy(frames, cut);
      boolean onBoundary = encodeAll(frames.subList(0, whole)).length == cut;
      String truncation = where + ", cut after " + cut + " bytes";

      Outcome cutShort =
          decode(new FrameReader(stream(Arrays.copyOf(bytes, cut)), FUZZ_MAX), cut, truncation);
      assertThat(cutShort.frames)
          .as(truncation)
          .containsExactlyElementsOf(frames.subList(0, whole));
      if (onBoundary) {
        assertThat(cutShort.violation).as(truncation).isNull();
      } else {
        assertThat(cutShort.violation).as(truncation).isNotNull();
        assertThat(cutShort.violation.getMessage()).as(truncation).contains("truncated frame");
      }
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static long seed() {
    long seed = Long.getLong("stockade.seed", System.nanoTime());
    System.out.println(
        "FrameReaderTest seed: " + seed + " (rerun with -Dstockade.seed=" + seed + ")");
    return seed;
  }

  /** What reading a whole stream gave: the frames, then either the end or a violation. */
  private record Outcome(List<Frame> frames, ProtocolViolation violation) {}

  /**
   * Reads until the end or a violation; fails on any other exception, and on more reads than a
   * stream of {@code length} bytes can feed (each call consumes at least one byte or ends).
   */
  private static Outcome decode(FrameReader reader, int length, String where) {
    List<Frame> frames = new ArrayList<>();
    for (int calls = 0; calls <= length; calls++) {
      try {
        Frame frame = reader.next();
        if (frame == null) {
          return new Outcome(frames, null);
        }
        frames.add(frame);
      } catch (ProtocolViolation violation) {
        return new Outcome(frames, violation);
      } catch (Throwable other) {
        throw new AssertionError(
            where + ": expected frames, the end or a ProtocolViolation, " + "but got " + other,
            other);
      }
    }
    return fail("%s: more than %d frames from %d bytes", where, length + 1, length);
  }

  /** How many of {@code frames} end at or before byte offset {@code offset} of their encoding. */
  private static int framesEndingBy(List<Frame> frames, int offset) {
    int end = 0;
    for (int i = 0; i < frames.size(); i++) {
      end += 16 + frames.get(i).payload().length;
      if (end > offset) {
        return i;
      }
    }
    return frames.size();
  }

  // A random pick among the types: their order does not matter.
  @SuppressWarnings("EnumOrdinal")
  private static List<Frame> randomFrames(Random random) {
    List<Frame> frames = new ArrayList<>();
    int count = 1 + random.nextInt(6);
    for (int i = 0; i < count; i++) {
      FrameType type = FrameType.values()[random.nextInt(FrameType.values().length)];
      byte[] payload = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(FUZZ_MAX + 1)];
      random.nextBytes(payload);
      long id =
          switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 1 + random.nextInt(1000);
            default -> random.nextLong();
          };
      frames.add(Frame.of(type, id, payload));
    }
    return frames;
  }

  /**
   * Random bytes, most of them shaped so a reader gets past the early checks: often the right
   * magic, a known type, zero flags, a length near maxFrameSize — so the size check, the payload
   * read and the second frame are reached too, not only "bad magic".
   */
  private static byte[] randomHeaderish(Random random) {
    byte[] bytes = new byte[random.nextInt(3 * FUZZ_MAX)];
    random.nextBytes(bytes);
    if (bytes.length >= 2 && random.nextInt(4) != 0) {
      bytes[0] = 0x53;
      bytes[1] = 0x4B;
    }
    if (bytes.length >= 3 && random.nextInt(4) != 0) {
      bytes[2] = (byte) (1 + random.nextInt(FrameType.values().length));
    }
    if (bytes.length >= 4 && random.nextInt(4) != 0) {
      bytes[3] = 0;
    }
    if (bytes.length >= 16 && random.nextInt(4) != 0) {
      ByteBuffer.wrap(bytes, 12, 4).putInt(random.nextInt(2 * FUZZ_MAX));
    }
    return bytes;
  }

  private static byte[] header(int type, int flags, long id, long length) {
    return ByteBuffer.allocate(16)
        .put((byte) 0x53)
        .put((byte) 0x4B)
        .put((byte) type)
        .put((byte) flags)
        .putLong(id)
        .putInt((int) length)
        .array();
  }

  private static List<Frame> readAll(byte[] bytes) throws IOException, ProtocolViolation {
    return drain(new FrameReader(stream(bytes), MAX));
  }

  private static List<Frame> drain(FrameReader reader) throws IOException, ProtocolViolation {
    List<Frame> frames = new ArrayList<>();
    for (Frame frame = reader.next(); frame != null; frame = reader.next()) {
      frames.add(frame);
    }
    return frames;
  }

  private static byte[] encodeAll(List<Frame> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame frame : frames) {
      out.writeBytes(FrameWriter.encode(frame));
    }
    return out.toByteArray();
  }

  private static InputStream stream(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return new ByteArrayInputStream(out.toByteArray());
  }

  /** A stream that hands out at most one byte per read, as a slow pipe may. */
  private static final class OneByteAtATime extends FilterInputStream {
    OneByteAtATime(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, 1));
    }

    @Override
    public int available() {
      return 0;
    }
  }

  /**
   * A stream that fails the test if asked for more than its first {@code limit} bytes: the stand-in
   * for a pipe that would block, or a payload that must not be read.
   */
  private static final class Guarded extends InputStream {
    private final InputStream in;
    private final int limit;
    private final String complaint;
    private int position;

    Guarded(InputStream in, int limit, String complaint) {
      this.in = in;
      this.limit = limit;
      this.complaint = complaint;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= limit) {
        throw new AssertionError(complaint);
      }
      int n = in.read(b, off, Math.min(len, limit - position));
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public int available() {
      return 0;
    }
  }
}
