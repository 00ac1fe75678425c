package dev.stockade.internal.os;

import java.io.IOException;

/**
 * What the launching thread does just around the one system call that creates a process, and
 * nothing else: whatever the thread itself creates meanwhile (a thread a pool starts on demand, for
 * instance) would share what the scope changed, so a launcher enters it only for the spawn.
 */
public interface SpawnScope {
  /** The scope entered; {@link #close()} leaves it. */
  interface Entered extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /**
   * Enters the scope on the calling thread.
   *
   * @throws IOException if it cannot; the launch then fails with it and starts nothing
   */
  Entered enter() throws IOException;
}
