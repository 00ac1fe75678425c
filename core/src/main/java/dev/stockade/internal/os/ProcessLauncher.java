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

  /**
   * Starts the process with {@code scope} entered on the calling thread just around the system call
   * that creates it, where the launcher can confine the scope to that call ({@link
   * #supportsSpawnScope()}).
   *
   * @throws IOException if it cannot be started, or the scope cannot be entered
   */
  default SpawnedProcess launch(LaunchSpec spec, Executor waiter, SpawnScope scope)
      throws IOException {
    throw new UnsupportedOperationException(name() + " does not confine a scope to the spawn");
  }

  /**
   * Whether {@link #launch(LaunchSpec, Executor, SpawnScope)} works: not for the JDK, which may
   * start threads of its own from the launching thread while it starts a process.
   */
  default boolean supportsSpawnScope() {
    return false;
  }

  static ProcessLauncher detect() {
    return PosixSpawnLauncher.isAvailable() ? new PosixSpawnLauncher() : new JdkProcessLauncher();
  }
}
