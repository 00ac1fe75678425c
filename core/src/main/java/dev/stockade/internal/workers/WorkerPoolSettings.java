package dev.stockade.internal.workers;

import dev.stockade.HealthCheck;
import dev.stockade.MemorySize;
import dev.stockade.internal.engine.PoolSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A {@code WorkerPool}'s configuration, validated by its builder, in groups a reader can hold: what
 * both pools share, how a worker starts, how it is judged alive, when it is recycled, and how
 * failed starts and failed tasks are retried.
 *
 * @param common what both pools share
 * @param launch how a worker process is started
 * @param tasksInFlightPerWorker how many tasks a worker may hold sent and unanswered
 * @param minIdle how many workers are kept even without work
 * @param maxFrameSize the largest frame either side may send, in bytes
 * @param waitSpin how long a caller blocked on a task's future spins before it parks
 * @param liveness how a worker is judged alive
 * @param recycling when a healthy worker is replaced
 * @param restarts how failed starts and failed tasks are retried
 */
public record WorkerPoolSettings(
    PoolSettings common,
    Launch launch,
    int tasksInFlightPerWorker,
    int minIdle,
    int maxFrameSize,
    Duration waitSpin,
    Liveness liveness,
    Recycling recycling,
    Restarts restarts) {
  /** {@code tasksInFlightPerWorker} left to the pool ({@link Dispatcher}'s automatic window). */
  public static final int AUTOMATIC_WINDOW = 0;

  /** The most tasks the automatic window sends one worker. */
  public static final int AUTOMATIC_MOST = 8;

  /**
   * How long a waiting caller spins by default: a little over a warm round trip on the reference
   * machine (about 25 µs), so the answer is usually seen without a wake-up. See docs/decisions.md.
   */
  public static final Duration DEFAULT_WAIT_SPIN = Duration.ofNanos(50_000);

  /** The longest spin allowed: beyond it, a parked thread's wake-up costs less than the spin. */
  public static final Duration LONGEST_WAIT_SPIN = Duration.ofMillis(1);

  /** Shorthand for {@code common().name()}, which nearly every log line names. */
  public String name() {
    return common.name();
  }

  /**
   * How a worker process is started.
   *
   * @param arguments program and arguments
   * @param environment extra environment
   * @param directory working directory, or null for the JVM's
   * @param label names the workers in logs and messages
   * @param runtimeDirectory where the pool wrote a worker runtime, removed when it closes; or null
   */
  public record Launch(
      List<String> arguments,
      Map<String, String> environment,
      Path directory,
      String label,
      Path runtimeDirectory) {}

  /**
   * How a worker is judged alive, and how long it may take to show it.
   *
   * @param startTimeout how long a started worker may take to say HELLO
   * @param heartbeatInterval how often a worker says it is alive
   * @param heartbeatTimeout how long a worker may be silent (and idle on the CPU) before it is
   *     taken for hung
   * @param progressTimeout how long a task may go without reporting progress; empty for no limit
   * @param healthCheckInterval how often an idle worker is pinged (and probed)
   * @param healthCheckTimeout how long a ping and a probe may take
   * @param healthCheckFailures failed rounds in a row that retire a worker
   * @param healthCheck the caller's probe, if any
   * @param cancelGrace how long a cancelled task may take to answer before its worker is ended
   */
  public record Liveness(
      Duration startTimeout,
      Duration heartbeatInterval,
      Duration heartbeatTimeout,
      Optional<Duration> progressTimeout,
      Duration healthCheckInterval,
      Duration healthCheckTimeout,
      int healthCheckFailures,
      Optional<HealthCheck> healthCheck,
      Duration cancelGrace) {}

  /**
   * When a healthy worker is replaced.
   *
   * @param softMemoryLimit the tree memory above which it retires once idle
   * @param maxTasksPerWorker tasks after which it retires; empty for no limit
   * @param maxWorkerAge the age after which it retires; empty for no limit
   * @param recycleJitter the largest share by which the two limits above are lowered at random
   * @param idleTimeout how long a worker beyond {@code minIdle} may stay idle
   */
  public record Recycling(
      MemorySize softMemoryLimit,
      OptionalInt maxTasksPerWorker,
      Optional<Duration> maxWorkerAge,
      double recycleJitter,
      Duration idleTimeout) {}

  /**
   * How failed starts and failed tasks are retried.
   *
   * @param backoffInitial the first pause after a failed start
   * @param backoffMax the largest pause
   * @param startFailureThreshold failed starts in a row that open the circuit breaker
   * @param circuitOpenDuration how long the breaker stays open before a probe start
   * @param retryAttempts how many times an idempotent task runs at most
   */
  public record Restarts(
      Duration backoffInitial,
      Duration backoffMax,
      int startFailureThreshold,
      Duration circuitOpenDuration,
      int retryAttempts) {}
}
