package dev.stockade.internal.os;

import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * Starts a tree's root process. Stdin is always empty ({@code /dev/null}).
 *
 * <p>{@link #detect} prefers {@link PosixSpawnLauncher}: one {@code posix_spawn} that puts the
 * child in a new session itself and reports its exact exit status. Where that is unavailable (a
 * libc without the calls it needs), {@link JdkProcessLauncher} starts the program through the JDK
 * behind {@code setsid(1)}, one more {@code exec} per task.
 */
public interface ProcessLauncher {
  /** Short description for logs. */
  String name();

  /**
   * Starts the process. Must run on the pool's long-lived spawner thread.
   *
   * @param waiter where the process's exit is waited for
   * @throws IOException if it cannot be started
   */
  SpawnedProcess launch(LaunchSpec spec, Executor waiter) throws IOException;

  static ProcessLauncher detect() {
    return PosixSpawnLauncher.isAvailable() ? new PosixSpawnLauncher() : new JdkProcessLauncher();
  }
}
