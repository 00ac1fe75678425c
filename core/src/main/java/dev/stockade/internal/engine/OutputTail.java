package dev.stockade.internal.engine;

import dev.stockade.CapturedOutput;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Drains one output stream of a process on a pool I/O thread, keeping only the last {@code limit}
 * bytes and counting all of them. A process whose output nobody reads blocks once the pipe is full,
 * so every stream is always drained, whatever the bound.
 */
public final class OutputTail {
  private final byte[] ring;
  private long total;
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  private OutputTail(int limit) {
    this.ring = new byte[limit];
  }

  /** Starts draining {@code in} on {@code executor}. */
  public static OutputTail drain(InputStream in, int limit, Executor executor) {
    OutputTail tail = new OutputTail(limit);
    executor.execute(() -> tail.pump(in));
    return tail;
  }

  private void pump(InputStream in) {
    byte[] chunk = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        append(chunk, n);
      }
    } catch (IOException e) {
      // The stream was closed under us (teardown gave up waiting): what was read is kept.
    } finally {
      drained.complete(null);
    }
  }

  private synchronized void append(byte[] chunk, int n) {
    int capacity = ring.length;
    if (capacity > 0) {
      int from = Math.max(0, n - capacity);
      for (int i = from; i < n; i++) {
        ring[(int) ((total + i) % capacity)] = chunk[i];
      }
    }
    total += n;
  }

  /** Completes when the stream reached its end (every writer of the pipe has exited). */
  public CompletableFuture<Void> drained() {
    return drained;
  }

  /** What was kept so far. */
  public synchronized CapturedOutput captured() {
    int capacity = ring.length;
    int kept = (int) Math.min(total, capacity);
    byte[] out = new byte[kept];
    long first = total - kept;
    for (int i = 0; i < kept; i++) {
      out[i] = ring[(int) ((first + i) % capacity)];
    }
    return CapturedOutput.of(out, total);
  }
}
