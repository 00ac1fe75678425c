package dev.stockade.internal.bulk;

import dev.stockade.internal.engine.TaskFuture;

/**
 * One chunk of a bulk call: which inputs it holds, its BATCH payload until the pool took it, its
 * future, and how far its outcomes have come. Touched only by the caller's thread.
 */
final class Chunk {
  final long base;
  final int count;
  byte[] payload;
  TaskFuture<Object> future;

  /** How many of its inputs, from the first, have an outcome the caller has been given. */
  int delivered;

  boolean done;

  /** Its BATCH_RESULT frames so far, and when the first and the last came. */
  int frames;

  long firstFrameNanos;
  long lastFrameNanos;

  /** The inputs answered by its first frame. */
  int firstFrameInputs;

  Chunk(long base, int count, byte[] payload) {
    this.base = base;
    this.count = count;
    this.payload = payload;
  }

  String range() {
    return count == 1 ? "[" + base + "]" : "[" + base + ".." + (base + count - 1) + "]";
  }
}
