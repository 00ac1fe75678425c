package dev.stockade.internal.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes and decodes the payloads of BATCH (a chunk's inputs) and BATCH_RESULT (a run of their
 * outcomes), as {@code docs/protocol.md} ("Batches") lays them out: counts and lengths first, then
 * the bodies back to back, so either side reads every length before it touches a body.
 */
public final class BatchPayloads {
  /** An outcome's kind: the handler's output. */
  public static final byte OUTPUT = 0;

  /** An outcome's kind: the handler's failure, an ERROR payload. */
  public static final byte FAILURE = 1;

  /** A BATCH_RESULT's bytes besides its outcomes' bodies: index and count, then per outcome. */
  public static final int RESULT_HEADER_BYTES = 8;

  /** The bytes each outcome adds to a BATCH_RESULT besides its body: its kind and length. */
  public static final int RESULT_BYTES_PER_OUTCOME = 5;

  /** The bytes each input adds to a BATCH besides its body: its length. */
  public static final int BATCH_BYTES_PER_INPUT = 4;

  private BatchPayloads() {}

  /** The size of a BATCH payload holding inputs of {@code bodyBytes} in all. */
  public static long batchSize(int inputs, long bodyBytes) {
    return 4 + (long) inputs * BATCH_BYTES_PER_INPUT + bodyBytes;
  }

  /** A BATCH payload of {@code inputs}, in order. */
  public static byte[] batch(List<byte[]> inputs) {
    long bodies = 0;
    for (byte[] input : inputs) {
      bodies += input.length;
    }
    long size = batchSize(inputs.size(), bodies);
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a batch of " + size + " bytes does not fit a frame");
    }
    ByteBuffer out = ByteBuffer.allocate((int) size).putInt(inputs.size());
    for (byte[] input : inputs) {
      out.putInt(input.length);
    }
    for (byte[] input : inputs) {
      out.put(input);
    }
    return out.array();
  }

  /**
   * The inputs of a BATCH payload.
   *
   * @throws ProtocolViolation if its count is 0 or its lengths do not add up to the payload
   */
  public static List<byte[]> inputs(byte[] payload) throws ProtocolViolation {
    if (payload.length < 4) {
      throw new ProtocolViolation(
          "a BATCH payload needs at least 4 bytes, but had " + payload.length);
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    long count = in.getInt() & 0xFFFFFFFFL;
    if (count == 0) {
      throw new ProtocolViolation("a BATCH of 0 inputs");
    }
    long bodiesAt = 4 + count * BATCH_BYTES_PER_INPUT;
    if (bodiesAt > payload.length) {
      throw new ProtocolViolation(
          "a BATCH of "
              + count
              + " inputs needs "
              + bodiesAt
              + " bytes for its lengths, but had "
              + payload.length);
    }
    List<byte[]> inputs = new ArrayList<>((int) count);
    int at = (int) bodiesAt;
    for (int i = 0; i < count; i++) {
      long length = in.getInt() & 0xFFFFFFFFL;
      if (length > payload.length - at) {
        throw new ProtocolViolation(
            "BATCH input "
                + i
                + " claims "
                + length
                + " bytes, but "
                + (payload.length - at)
                + " remain");
      }
      inputs.add(Arrays.copyOfRange(payload, at, at + (int) length));
      at += (int) length;
    }
    if (at != payload.length) {
      throw new ProtocolViolation(
          "a BATCH's lengths add up to " + at + " bytes, but it had " + payload.length);
    }
    return inputs;
  }

  /**
   * A BATCH_RESULT payload: the outcomes of inputs {@code first} to {@code first + kinds.length -
   * 1}, each an output ({@link #OUTPUT}) or an ERROR payload ({@link #FAILURE}).
   */
  public static byte[] outcomes(int first, byte[] kinds, List<byte[]> bodies) {
    if (kinds.length != bodies.size() || kinds.length == 0) {
      throw new IllegalArgumentException(
          kinds.length + " kinds for " + bodies.size() + " bodies; both at least 1 and equal");
    }
    long size = RESULT_HEADER_BYTES + (long) kinds.length * RESULT_BYTES_PER_OUTCOME;
    for (byte[] body : bodies) {
      size += body.length;
    }
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("outcomes of " + size + " bytes do not fit a frame");
    }
    ByteBuffer out = ByteBuffer.allocate((int) size).putInt(first).putInt(kinds.length).put(kinds);
    for (byte[] body : bodies) {
      out.putInt(body.length);
    }
    for (byte[] body : bodies) {
      out.put(body);
    }
    return out.array();
  }

  /**
   * The outcomes of a BATCH_RESULT payload, checked for shape: every length within the payload, no
   * byte left over, every kind known. Which inputs they may cover is the reader's to check.
   */
  public static Outcomes outcomes(byte[] payload) throws ProtocolViolation {
    if (payload.length < RESULT_HEADER_BYTES) {
      throw new ProtocolViolation(
          "a BATCH_RESULT payload needs at least 8 bytes, but had " + payload.length);
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    long first = in.getInt() & 0xFFFFFFFFL;
    long count = in.getInt() & 0xFFFFFFFFL;
    if (count == 0) {
      throw new ProtocolViolation("a BATCH_RESULT of 0 outcomes");
    }
    long bodiesAt = RESULT_HEADER_BYTES + count * RESULT_BYTES_PER_OUTCOME;
    if (bodiesAt > payload.length) {
      throw new ProtocolViolation(
          "a BATCH_RESULT of "
              + count
              + " outcomes needs "
              + bodiesAt
              + " bytes for its kinds and lengths, but had "
              + payload.length);
    }
    int n = (int) count;
    int[] starts = new int[n + 1];
    int lengthsAt = RESULT_HEADER_BYTES + n;
    int at = (int) bodiesAt;
    for (int i = 0; i < n; i++) {
      byte kind = payload[RESULT_HEADER_BYTES + i];
      if (kind != OUTPUT && kind != FAILURE) {
        throw new ProtocolViolation("BATCH_RESULT outcome " + (first + i) + " has kind " + kind);
      }
      long length = ByteBuffer.wrap(payload, lengthsAt + 4 * i, 4).getInt() & 0xFFFFFFFFL;
      if (length > payload.length - at) {
        throw new ProtocolViolation(
            "BATCH_RESULT outcome "
                + (first + i)
                + " claims "
                + length
                + " bytes, but "
                + (payload.length - at)
                + " remain");
      }
      starts[i] = at;
      at += (int) length;
    }
    if (at != payload.length) {
      throw new ProtocolViolation(
          "a BATCH_RESULT's lengths add up to " + at + " bytes, but it had " + payload.length);
    }
    starts[n] = at;
    return new Outcomes(first, payload, starts);
  }

  /** A run of a batch's outcomes, read from one BATCH_RESULT without copying its bodies. */
  public static final class Outcomes {
    private final long first;
    private final byte[] payload;
    private final int[] starts;

    private Outcomes(long first, byte[] payload, int[] starts) {
      this.first = first;
      this.payload = payload;
      this.starts = starts;
    }

    /** The index, within its batch, of the first input these outcomes are for. */
    public long first() {
      return first;
    }

    /** How many outcomes. */
    public int count() {
      return starts.length - 1;
    }

    /** Whether outcome {@code i} (counted from {@link #first()}) is a failure. */
    public boolean isFailure(int i) {
      return payload[RESULT_HEADER_BYTES + i] == FAILURE;
    }

    /** A copy of outcome {@code i}'s body: an output, or an ERROR payload. */
    public byte[] body(int i) {
      return Arrays.copyOfRange(payload, starts[i], starts[i + 1]);
    }
  }
}
