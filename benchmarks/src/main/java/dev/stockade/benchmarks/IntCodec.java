package dev.stockade.benchmarks;

import dev.stockade.Codec;
import java.nio.ByteBuffer;

/**
 * An {@code Integer} as four bytes, big-endian: the benchmarks' stand-in for the pickling of an
 * {@code int} by {@code multiprocessing}, so each input of a bulk call is encoded on the way out
 * and decoded on the way back, as Python's are. Not a benchmark.
 */
final class IntCodec implements Codec<Integer> {
  static final IntCodec INSTANCE = new IntCodec();

  private IntCodec() {}

  @Override
  public byte[] encode(Integer value) {
    int v = value;
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  @Override
  public Integer decode(byte[] bytes) {
    if (bytes.length != 4) {
      throw new IllegalArgumentException(
          "an Integer payload must be 4 bytes, but was " + bytes.length);
    }
    return ByteBuffer.wrap(bytes).getInt();
  }

  @Override
  public String toString() {
    return "IntCodec(4 bytes, big-endian)";
  }
}
