package dev.stockade.internal.bulk;

import java.util.concurrent.TimeUnit;

/**
 * How many inputs the next chunk of a bulk call takes (the rule {@code MapOptions} states): a fixed
 * size; {@code multiprocessing}'s {@code ceil(n / (4 × workers))} for inputs of known length; or,
 * for inputs of unknown length, a size that doubles while chunks come back quickly and otherwise
 * aims at {@link #TARGET_NANOS} of work per chunk.
 */
final class ChunkSizer {
  /** The most inputs an adaptive chunk takes. */
  static final int MOST = 4096;

  /** The work an adaptive chunk aims at: enough to hide a round trip, little enough to balance. */
  static final long TARGET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final boolean adaptive;
  private int size;

  /** The time one input took, estimated from chunks answered over several frames; 0 if unknown. */
  private long perInputNanos;

  private ChunkSizer(int size, boolean adaptive) {
    this.size = size;
    this.adaptive = adaptive;
  }

  static ChunkSizer fixed(int size) {
    return new ChunkSizer(size, false);
  }

  /** {@code multiprocessing.Pool.map}'s rule for {@code inputs} on {@code workers}. */
  static ChunkSizer forLength(long inputs, int workers) {
    long chunks = 4L * workers;
    long size = (inputs + chunks - 1) / chunks;
    return new ChunkSizer((int) Math.max(1, Math.min(size, Integer.MAX_VALUE)), false);
  }

  static ChunkSizer adaptive() {
    return new ChunkSizer(1, true);
  }

  int next() {
    return size;
  }

  /**
   * A chunk of {@code inputs} was answered: in one frame (its inputs took less than the runtimes'
   * 10 ms flush interval), or over several, the later ones {@code spanNanos} apart covering {@code
   * spanInputs} inputs.
   */
  void answered(int inputs, int frames, long spanNanos, int spanInputs) {
    if (!adaptive) {
      return;
    }
    if (frames > 1 && spanInputs > 0) {
      long measured = Math.max(1, spanNanos / spanInputs);
      perInputNanos = perInputNanos == 0 ? measured : (perInputNanos + measured) / 2;
      size = (int) Math.max(1, Math.min(MOST, TARGET_NANOS / perInputNanos));
    } else if (inputs >= size
        && (perInputNanos == 0 || 2L * size * perInputNanos <= TARGET_NANOS)) {
      size = Math.min(MOST, 2 * size);
    }
  }
}
