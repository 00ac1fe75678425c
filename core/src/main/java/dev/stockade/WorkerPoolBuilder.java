package dev.stockade;

import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.workers.WorkerLaunchPlan;
import dev.stockade.internal.workers.WorkerPoolSettings;
import dev.stockade.internal.workers.WorkerSettingRules;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Configures a {@link WorkerPool}: the settings every pool shares ({@link PoolBuilder}), the
 * worker's program, and how workers are kept alive, recycled and restarted. Made by {@link
 * WorkerPool#builder}. Exactly one worker kind must be given ({@link #jvmWorker}, {@link
 * #pythonWorker}, {@link #nodeWorker} or {@link #command}). Each setting may be set once, and every
 * value is checked at {@link #build()}; the worker's program is checked too: it must be one the
 * kernel can start in its working directory ({@code python3} and {@code node} are looked up on
 * {@code PATH}).
 *
 * @param <I> the task input type
 * @param <O> the result type
 */
public final class WorkerPoolBuilder<I, O> extends WorkerProgramBuilder<I, O> {
  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

  private final Codec<I> input;
  private final Codec<O> output;
  private int tasksInFlightPerWorker = WorkerPoolSettings.AUTOMATIC_WINDOW;
  private int minIdle = 0;
  // Null until set: the default is a share of memoryLimit, known at build().
  private MemorySize softMemoryLimit;
  private Duration startTimeout = Duration.ofSeconds(30);
  private Duration heartbeatInterval = Duration.ofSeconds(1);
  private Duration heartbeatTimeout = Duration.ofSeconds(10);
  private Duration progressTimeout;
  private Duration healthCheckInterval = Duration.ofSeconds(30);
  private Duration healthCheckTimeout = Duration.ofSeconds(5);
  private int healthCheckFailures = 3;
  private HealthCheck healthCheck;
  private OptionalInt maxTasksPerWorker = OptionalInt.empty();
  private Duration maxWorkerAge;
  private double recycleJitter = 0.1;
  private Duration idleTimeout = Duration.ofMinutes(10);
  private Duration cancelGrace = Duration.ofSeconds(5);
  private MemorySize maxFrameSize = MemorySize.ofMebibytes(16);
  private Duration waitSpin = WorkerPoolSettings.DEFAULT_WAIT_SPIN;
  private Duration restartBackoffInitial = Duration.ofMillis(200);
  private Duration restartBackoffMax = Duration.ofSeconds(30);
  private int startFailureThreshold = 5;
  private Duration circuitOpenDuration = Duration.ofSeconds(30);
  private int retryAttempts = 3;

  WorkerPoolBuilder(Codec<I> input, Codec<O> output) {
    super("workers-");
    this.input = input;
    this.output = output;
  }

  /**
   * Tasks sent to a worker before it answered the first, so its next task is already in its pipe
   * when it finishes one: throughput for small tasks, at a price — a task sent behind a slow one
   * waits for it, even if another worker frees up meanwhile. A worker still runs one task at a
   * time, in order; a task's timeout starts when it becomes the one running; if the worker dies,
   * the running task fails and the ones behind it, which never started, go back to the queue. 1 to
   * 64; 1 sends a task only to an idle worker.
   *
   * <p>Unless set, the pool decides: a task goes only to an idle worker while any worker is idle,
   * starting, or still to be started; once every worker is busy and at least as many tasks wait as
   * there are workers, a worker takes tasks behind its running one up to its share of the work
   * outstanding (the tasks waiting and held, divided by the workers) and at most 8 — so a backlog
   * of small tasks flows without a round trip between them, and no task is queued behind another
   * while a worker could take it.
   *
   * @param tasksInFlightPerWorker the most tasks sent to one worker at once, 1 to 64
   * @return this builder
   * @throws IllegalStateException if {@code tasksInFlightPerWorker} was already set
   */
  public WorkerPoolBuilder<I, O> tasksInFlightPerWorker(int tasksInFlightPerWorker) {
    rules.once("tasksInFlightPerWorker", this.tasksInFlightPerWorker);
    this.tasksInFlightPerWorker = tasksInFlightPerWorker;
    return this;
  }

  /**
   * How long a thread blocked in {@code get} or {@code join} of a task's future spins before it
   * parks, reading its worker's answer itself meanwhile. A warm round trip to a persistent worker
   * is shorter than the wake-up of a parked thread on a virtual CPU that went idle, so the default
   * of 50 µs usually sees the answer without any wake-up in the supervisor; a longer task costs its
   * caller up to this much CPU once per wait. {@link Duration#ZERO} parks at once (for callers that
   * count CPU more dearly than latency, such as a container with a tight CPU quota). Nothing spins
   * on a machine with one processor, whatever this says. Default: 50 µs.
   *
   * <p>The same bound holds for the worker's side: the Python runtime, once it answered, polls its
   * request pipe for up to this long before it blocks in a read (environment variable {@code
   * STOCKADE_IDLE_SPIN_US}), so the next request of a run of round trips finds it on its processor;
   * an idle worker costs up to this much CPU once per answer. It does not spin where it may use one
   * CPU only. The JVM and Node runtimes never spin.
   *
   * @param waitSpin how long a waiting caller spins, 0 to 1 ms
   * @return this builder
   * @throws IllegalStateException if {@code waitSpin} was already set
   */
  public WorkerPoolBuilder<I, O> waitSpin(Duration waitSpin) {
    rules.once("waitSpin", this.waitSpin);
    this.waitSpin = Objects.requireNonNull(waitSpin, "waitSpin");
    return this;
  }

  /**
   * Workers kept alive and ready even with no work (pre-warmed, started at build and replaced when
   * they end); idle ones above this number retire after {@code idleTimeout}. Default: 0.
   *
   * @param minIdle the workers kept alive with no work
   * @return this builder
   * @throws IllegalStateException if {@code minIdle} was already set
   */
  public WorkerPoolBuilder<I, O> minIdle(int minIdle) {
    rules.once("minIdle", this.minIdle);
    this.minIdle = minIdle;
    return this;
  }

  /**
   * Soft limit: a worker whose tree crosses it is retired after its current task. Must be below the
   * hard limit. Default: 80 % of the hard limit.
   *
   * @param softMemoryLimit the memory past which a worker retires after its task
   * @return this builder
   * @throws IllegalStateException if {@code softMemoryLimit} was already set
   */
  public WorkerPoolBuilder<I, O> softMemoryLimit(MemorySize softMemoryLimit) {
    rules.once("softMemoryLimit", this.softMemoryLimit);
    this.softMemoryLimit = Objects.requireNonNull(softMemoryLimit, "softMemoryLimit");
    return this;
  }

  /**
   * Longest a worker may take to say HELLO; a late one is a failed start. Default: 30 s.
   *
   * @param startTimeout the longest a worker may take to say HELLO
   * @return this builder
   * @throws IllegalStateException if {@code startTimeout} was already set
   */
  public WorkerPoolBuilder<I, O> startTimeout(Duration startTimeout) {
    rules.once("startTimeout", this.startTimeout);
    this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
    return this;
  }

  /**
   * How often runtimes send HEARTBEAT ({@code STOCKADE_HEARTBEAT_MS}). Default: 1 s.
   *
   * @param heartbeatInterval the time between two heartbeats of a worker
   * @return this builder
   * @throws IllegalStateException if {@code heartbeatInterval} was already set
   */
  public WorkerPoolBuilder<I, O> heartbeatInterval(Duration heartbeatInterval) {
    rules.once("heartbeatInterval", this.heartbeatInterval);
    this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    return this;
  }

  /**
   * Longest silence before a worker is ended, unless its tree keeps using CPU meanwhile (then it is
   * busy, not hung: see the class documentation). At least twice the heartbeat interval. Default:
   * 10 s.
   *
   * @param heartbeatTimeout the longest silence of a worker that is not busy
   * @return this builder
   * @throws IllegalStateException if {@code heartbeatTimeout} was already set
   */
  public WorkerPoolBuilder<I, O> heartbeatTimeout(Duration heartbeatTimeout) {
    rules.once("heartbeatTimeout", this.heartbeatTimeout);
    this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
    return this;
  }

  /**
   * Longest a task may go without reporting PROGRESS (counted from its start) before its worker is
   * ended. Default: none.
   *
   * @param progressTimeout the longest a task may go without reporting progress
   * @return this builder
   * @throws IllegalStateException if {@code progressTimeout} was already set
   */
  public WorkerPoolBuilder<I, O> progressTimeout(Duration progressTimeout) {
    rules.once("progressTimeout", this.progressTimeout);
    this.progressTimeout = Objects.requireNonNull(progressTimeout, "progressTimeout");
    return this;
  }

  /**
   * How often idle workers are pinged and probed. Default: 30 s.
   *
   * @param healthCheckInterval the time between two checks of an idle worker
   * @return this builder
   * @throws IllegalStateException if {@code healthCheckInterval} was already set
   */
  public WorkerPoolBuilder<I, O> healthCheckInterval(Duration healthCheckInterval) {
    rules.once("healthCheckInterval", this.healthCheckInterval);
    this.healthCheckInterval = Objects.requireNonNull(healthCheckInterval, "healthCheckInterval");
    return this;
  }

  /**
   * Longest a PONG or a {@link HealthCheck} may take. Default: 5 s.
   *
   * @param healthCheckTimeout the longest a check may take
   * @return this builder
   * @throws IllegalStateException if {@code healthCheckTimeout} was already set
   */
  public WorkerPoolBuilder<I, O> healthCheckTimeout(Duration healthCheckTimeout) {
    rules.once("healthCheckTimeout", this.healthCheckTimeout);
    this.healthCheckTimeout = Objects.requireNonNull(healthCheckTimeout, "healthCheckTimeout");
    return this;
  }

  /**
   * Failed health checks in a row that retire a worker. Default: 3.
   *
   * @param healthCheckFailures the failed checks in a row that retire a worker
   * @return this builder
   * @throws IllegalStateException if {@code healthCheckFailures} was already set
   */
  public WorkerPoolBuilder<I, O> healthCheckFailures(int healthCheckFailures) {
    rules.once("healthCheckFailures", this.healthCheckFailures);
    this.healthCheckFailures = healthCheckFailures;
    return this;
  }

  /**
   * A probe run on idle workers besides the PING.
   *
   * @param healthCheck the probe
   * @return this builder
   * @throws IllegalStateException if a health check was already set
   */
  public WorkerPoolBuilder<I, O> healthCheck(HealthCheck healthCheck) {
    rules.once("healthCheck", this.healthCheck);
    this.healthCheck = Objects.requireNonNull(healthCheck, "healthCheck");
    return this;
  }

  /**
   * Tasks after which a worker is retired (less a jitter). At least 1. Default: no limit (leave it
   * unset).
   *
   * @param maxTasksPerWorker the tasks after which a worker retires
   * @return this builder
   * @throws IllegalStateException if {@code maxTasksPerWorker} was already set
   */
  public WorkerPoolBuilder<I, O> maxTasksPerWorker(int maxTasksPerWorker) {
    rules.once(
        "maxTasksPerWorker",
        this.maxTasksPerWorker.isPresent() ? this.maxTasksPerWorker.getAsInt() : "no limit");
    this.maxTasksPerWorker = OptionalInt.of(maxTasksPerWorker);
    return this;
  }

  /**
   * Age after which a worker is retired once idle (less a jitter). Default: none.
   *
   * @param maxWorkerAge the age after which a worker retires
   * @return this builder
   * @throws IllegalStateException if {@code maxWorkerAge} was already set
   */
  public WorkerPoolBuilder<I, O> maxWorkerAge(Duration maxWorkerAge) {
    rules.once("maxWorkerAge", this.maxWorkerAge);
    this.maxWorkerAge = Objects.requireNonNull(maxWorkerAge, "maxWorkerAge");
    return this;
  }

  /**
   * The largest fraction by which each worker's task and age limits are randomly lowered, so
   * workers started together do not retire together. 0 to 0.5; default 0.1.
   *
   * @param recycleJitter the largest fraction taken off the limits, 0 to 0.5
   * @return this builder
   * @throws IllegalStateException if {@code recycleJitter} was already set
   */
  public WorkerPoolBuilder<I, O> recycleJitter(double recycleJitter) {
    rules.once("recycleJitter", this.recycleJitter);
    this.recycleJitter = recycleJitter;
    return this;
  }

  /**
   * Idle time after which a worker above {@code minIdle} retires. Default: 10 minutes.
   *
   * @param idleTimeout the idle time after which a worker above {@code minIdle} retires
   * @return this builder
   * @throws IllegalStateException if {@code idleTimeout} was already set
   */
  public WorkerPoolBuilder<I, O> idleTimeout(Duration idleTimeout) {
    rules.once("idleTimeout", this.idleTimeout);
    this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    return this;
  }

  /**
   * Time a cancelled task has to stop before its worker is ended. Default: 5 s.
   *
   * @param cancelGrace the time a cancelled task has to stop
   * @return this builder
   * @throws IllegalStateException if {@code cancelGrace} was already set
   */
  public WorkerPoolBuilder<I, O> cancelGrace(Duration cancelGrace) {
    rules.once("cancelGrace", this.cancelGrace);
    this.cancelGrace = Objects.requireNonNull(cancelGrace, "cancelGrace");
    return this;
  }

  /**
   * Largest payload either side accepts. 1 KiB to 1 GiB; default 16 MiB.
   *
   * @param maxFrameSize the largest payload, 1 KiB to 1 GiB
   * @return this builder
   * @throws IllegalStateException if {@code maxFrameSize} was already set
   */
  public WorkerPoolBuilder<I, O> maxFrameSize(MemorySize maxFrameSize) {
    rules.once("maxFrameSize", this.maxFrameSize);
    this.maxFrameSize = Objects.requireNonNull(maxFrameSize, "maxFrameSize");
    return this;
  }

  /**
   * The first and the largest pause before starting a worker after a failure; pauses double with
   * each failure in a row, with ±50 % jitter. Default: 200 ms and 30 s.
   *
   * @param initial the pause after the first failure
   * @param max the longest pause
   * @return this builder
   * @throws IllegalStateException if {@code restartBackoff} was already set
   */
  public WorkerPoolBuilder<I, O> restartBackoff(Duration initial, Duration max) {
    rules.once("restartBackoff", this.restartBackoffInitial + ".." + this.restartBackoffMax);
    this.restartBackoffInitial = Objects.requireNonNull(initial, "initial");
    this.restartBackoffMax = Objects.requireNonNull(max, "max");
    return this;
  }

  /**
   * Failed starts in a row that open the circuit breaker. Default: 5.
   *
   * @param startFailureThreshold the failed starts in a row that open the breaker
   * @return this builder
   * @throws IllegalStateException if {@code startFailureThreshold} was already set
   */
  public WorkerPoolBuilder<I, O> startFailureThreshold(int startFailureThreshold) {
    rules.once("startFailureThreshold", this.startFailureThreshold);
    this.startFailureThreshold = startFailureThreshold;
    return this;
  }

  /**
   * How long the breaker stays open before the pool probes with one start. Default: 30 s.
   *
   * @param circuitOpenDuration the time the breaker stays open
   * @return this builder
   * @throws IllegalStateException if {@code circuitOpenDuration} was already set
   */
  public WorkerPoolBuilder<I, O> circuitOpenDuration(Duration circuitOpenDuration) {
    rules.once("circuitOpenDuration", this.circuitOpenDuration);
    this.circuitOpenDuration = Objects.requireNonNull(circuitOpenDuration, "circuitOpenDuration");
    return this;
  }

  /**
   * Most runs of an idempotent task, the first included. 1 to 10; default 3.
   *
   * @param retryAttempts the most runs of an idempotent task
   * @return this builder
   * @throws IllegalStateException if {@code retryAttempts} was already set
   */
  public WorkerPoolBuilder<I, O> retryAttempts(int retryAttempts) {
    rules.once("retryAttempts", this.retryAttempts);
    this.retryAttempts = retryAttempts;
    return this;
  }

  /**
   * Validates every setting and starts the pool (and its {@code minIdle} workers).
   *
   * @return the running pool
   * @throws IllegalArgumentException naming the first setting out of range, or a worker program
   *     that cannot be started (its path, the {@code PATH} searched for a bare name, the working
   *     directory and why), before anything was started
   * @throws IllegalStateException if no worker kind was given, or if {@link #requireLifeline
   *     requireLifeline} is true and the lifeline's watchdog cannot be started (saying why)
   */
  public WorkerPool<I, O> build() {
    if (kind == null) {
      throw new IllegalStateException(
          "no worker kind: call jvmWorker, pythonWorker, "
              + "nodeWorker or command before build()");
    }
    PoolSettings common = commonSettings(POOL_NUMBER::incrementAndGet);
    require(
        !rules.wasSet("tasksInFlightPerWorker")
            || (tasksInFlightPerWorker >= 1 && tasksInFlightPerWorker <= 64),
        "tasksInFlightPerWorker",
        "between 1 and 64",
        tasksInFlightPerWorker);
    require(
        minIdle >= 0 && minIdle <= common.workers(),
        "minIdle",
        "between 0 and workers (" + common.workers() + ")",
        minIdle);
    require(
        maxFrameSize.toBytes() >= 1024 && maxFrameSize.toBytes() <= (1L << 30),
        "maxFrameSize",
        "between 1 KiB and 1 GiB",
        maxFrameSize);
    SettingRules.requireBetween(
        waitSpin, Duration.ZERO, WorkerPoolSettings.LONGEST_WAIT_SPIN, "waitSpin");
    Duration sample = common.sampleInterval();
    WorkerPoolSettings.Liveness liveness =
        WorkerSettingRules.checked(
            new WorkerPoolSettings.Liveness(
                startTimeout,
                heartbeatInterval,
                heartbeatTimeout,
                Optional.ofNullable(progressTimeout),
                healthCheckInterval,
                healthCheckTimeout,
                healthCheckFailures,
                Optional.ofNullable(healthCheck),
                cancelGrace),
            sample);
    MemorySize hard = common.memoryLimit();
    MemorySize soft =
        softMemoryLimit != null ? softMemoryLimit : MemorySize.ofBytes(hard.toBytes() / 5 * 4);
    WorkerPoolSettings.Recycling recycling =
        WorkerSettingRules.checked(
            new WorkerPoolSettings.Recycling(
                soft,
                maxTasksPerWorker,
                Optional.ofNullable(maxWorkerAge),
                recycleJitter,
                idleTimeout),
            hard,
            sample);
    WorkerPoolSettings.Restarts restarts =
        WorkerSettingRules.checked(
            new WorkerPoolSettings.Restarts(
                restartBackoffInitial,
                restartBackoffMax,
                startFailureThreshold,
                circuitOpenDuration,
                retryAttempts));
    WorkerPoolSettings.Launch planned =
        WorkerLaunchPlan.checked(kind, hard, jvmOptions, jvmWorkerClassPath);
    beforeStart(common);
    return WorkerLaunchPlan.startWithRuntime(
        kind,
        planned,
        common.name(),
        launch ->
            WorkerPool.start(
                new WorkerPoolSettings(
                    common,
                    launch,
                    tasksInFlightPerWorker,
                    minIdle,
                    (int) maxFrameSize.toBytes(),
                    waitSpin,
                    liveness,
                    recycling,
                    restarts),
                input,
                output));
  }
}
