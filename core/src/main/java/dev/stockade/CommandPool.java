package dev.stockade;

import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.pool.CommandPoolSettings;
import dev.stockade.internal.pool.RealCommandPool;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each task as a fresh, supervised process tree: the pool for programs that speak no
 * protocol (ffmpeg, LibreOffice, {@code chromium --screenshot}).
 *
 * <pre>{@code
 * try (CommandPool pool = CommandPool.builder()
 *         .workers(2)
 *         .memoryLimit(MemorySize.ofMebibytes(768))
 *         .taskTimeout(Duration.ofSeconds(30))
 *         .build()) {
 *     CommandResult r = pool.run(Command.of("chromium", "--headless", "--screenshot", url)).get();
 * }
 * }</pre>
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li><b>Bounded.</b> At most {@code workers} trees are alive at once (a tree counts until it
 *       is verified gone) and at most {@code queueCapacity} tasks wait. Beyond that
 *       {@link #run} returns a future failed with {@link PoolSaturatedException}, or, with
 *       {@code blockWhenSaturated}, blocks for room up to the given wait.
 *   <li><b>Whole-tree limits.</b> The housekeeper samples every tree each
 *       {@code sampleInterval} from one pass over {@code /proc}. A tree whose memory crosses its
 *       hard limit is ended at once ({@link MemoryLimitExceededException}); a task that runs
 *       past its timeout has its tree ended ({@link TaskTimeoutException}).
 *   <li><b>Complete teardown.</b> A tree is ended by stopping every member, re-walking until no
 *       new member appears, then SIGTERM, the termination grace, SIGKILL, and a {@code /proc}
 *       scan proving none is left — daemons that double-forked and called {@code setsid}
 *       included. Processes a command leaves running after its own exit are ended the same way.
 *       Its {@code TMPDIR} is then removed.
 *   <li><b>Every future completes exactly once</b>, and only after the task's tree is gone: a
 *       {@link CommandResult} when the command ended by itself (any exit code, any signal
 *       Stockade did not send, unless {@code failOnNonZeroExit}), else a typed
 *       {@link StockadeException}. A cancelled future is the one exception: as the {@code
 *       Future} contract requires, it completes at once; {@code cancel(true)} then ends the
 *       running tree, {@code cancel(false)} lets a running one finish unobserved, and the
 *       listener's {@link PoolListener#taskFailed} tells when the tree is gone.
 * </ul>
 *
 * <p>The caller's code never runs on the pool's own threads: a future's dependent stages
 * ({@code thenApply} and its kin) run on the thread of a caller that was waiting for the result
 * in {@code get} or {@code join}, or else on the pool's callback executor
 * ({@link Builder#callbackExecutor}), where the listener runs too; so a slow callback delays
 * neither other tasks nor the pool's housekeeping, and a callback may wait on another task of
 * the same pool.
 *
 * <p>{@link #close()} refuses new tasks, fails queued ones with {@link PoolClosedException},
 * ends every running tree (their futures fail with {@link PoolClosedException}) and returns
 * once all are gone (a future's callback or a listener may call it too, and it waits there as
 * anywhere). {@link #shutdown()} and {@link #close(Duration)} close gracefully instead: intake
 * stops, accepted tasks finish (up to a deadline), then what is left is ended. A JVM shutdown
 * hook calls {@code close(Duration)} with a drain of 5 s as a courtesy; it is not a guarantee,
 * since hooks do not run when the JVM is killed with SIGKILL, and {@code shutdownHook(false)}
 * turns it off for applications whose framework closes the pool.
 */
public final class CommandPool implements AutoCloseable {
  private final RealCommandPool engine;

  private CommandPool(CommandPoolSettings settings) {
    this.engine = RealCommandPool.start(settings);
  }

  /**
   * A builder for a pool, every setting at its default.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Submits a command. Admission failures come back as a failed future
   * ({@link PoolSaturatedException}, {@link PoolClosedException}), never as a throw.
   *
   * @param command the command to run
   * @return a future that completes with the command's {@link CommandResult} once its whole tree
   *     has ended, or fails with a {@link StockadeException} that says why it has no result (or,
   *     once cancelled, with a {@code CancellationException})
   * @throws IllegalArgumentException if the command's timeout is shorter than the pool's sample
   *     interval or its memory limit is below one page
   */
  public CompletableFuture<CommandResult> run(Command command) {
    return engine.run(Objects.requireNonNull(command, "command"));
  }

  /**
   * The pool's counts and every live tree at the last sample.
   *
   * @return a snapshot of the pool
   */
  public PoolSnapshot snapshot() {
    return engine.snapshot();
  }

  /**
   * The pool's name, as given to {@link Builder#name} or {@code commands-N}.
   *
   * @return the name
   */
  public String name() {
    return engine.name();
  }

  /**
   * Stops intake and lets the pool drain: tasks submitted from now on fail with
   * {@link PoolClosedException} ("refused after shutdown"); tasks already accepted, running
   * and queued alike, still run to their end, as an {@code ExecutorService} runs them after its
   * {@code shutdown()}. Once the last accepted task has ended, the pool closes itself.
   * Returns at once; idempotent.
   */
  public void shutdown() {
    engine.shutdown();
  }

  /**
   * True once {@link #shutdown()} or a {@code close} was called.
   *
   * @return whether the pool stopped taking tasks
   */
  public boolean isShutdown() {
    return engine.isShutdown();
  }

  /**
   * Waits up to {@code timeout} for the pool to be closed (after {@link #shutdown()}, that is
   * once every accepted task has ended); ends nothing itself.
   *
   * @param timeout the longest to wait
   * @return true if the pool is closed, false if the time ran out first
   * @throws InterruptedException if the calling thread is interrupted while it waits
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return engine.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * True once the pool is closed: every tree gone and its threads stopped.
   *
   * @return whether the pool is closed
   */
  public boolean isTerminated() {
    return engine.isTerminated();
  }

  /**
   * Closes gracefully: {@link #shutdown()}, then waits up to {@code drainTimeout} for the
   * accepted tasks to end, then ends whatever is left as {@link #close()} does — those tasks
   * fail with {@link PoolClosedException} saying they were cut off by close after the drain
   * deadline — and returns once every tree is gone. On one of the pool's own threads (a
   * callback or listener) it does not wait: the cut-off then happens at the deadline.
   *
   * <p>The pool's JVM shutdown hook calls this with a drain of 5 s. An application whose
   * framework orders its own shutdown (Spring's {@code @PreDestroy} or {@code SmartLifecycle})
   * should build the pool with {@code shutdownHook(false)} and call this from the framework,
   * so the pool drains in the framework's order instead of beside it.
   *
   * @param drainTimeout the longest the accepted tasks may take to end before they are cut off
   * @throws IllegalArgumentException if {@code drainTimeout} is negative
   */
  public void close(Duration drainTimeout) {
    engine.close(drainTimeout);
  }

  /**
   * Ends everything at once, without a drain: queued tasks and running ones fail with
   * {@link PoolClosedException}; returns once every tree is gone. Idempotent.
   */
  @Override
  public void close() {
    engine.close();
  }

  /**
   * Configures a {@link CommandPool}. Each setting may be set once; every value is checked at
   * {@link #build()}, which throws {@link IllegalArgumentException} with a message of the form
   * {@code "<setting> must be <constraint>, but was <value>"}. No duration may exceed 365 days.
   * Every check comes before the pool starts anything: a {@code build()} that throws leaves no
   * thread, shutdown hook or directory behind.
   */
  public static final class Builder {
    private static final Logger log = LoggerFactory.getLogger(CommandPool.class);
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
    private static final long PAGE = PoolSettings.MIN_MEMORY_LIMIT_BYTES;

    private final SettingRules rules = new SettingRules();
    private String name;
    private int workers = Runtime.getRuntime().availableProcessors();
    private int queueCapacity = 1000;
    private Duration admissionWait;
    private Duration taskTimeout = Duration.ofMinutes(10);
    private MemorySize memoryLimit = MemorySize.ofGibibytes(1);
    private MemoryAccounting memoryAccounting = MemoryAccounting.RSS_SCREENED_PSS;
    private Integer maxProcesses;
    private CgroupMode cgroupMode;
    private MemorySize minFreeMemory = MemorySize.ZERO;
    private MemoryPressurePolicy memoryPressurePolicy = MemoryPressurePolicy.QUEUE;
    private Duration sampleInterval = Duration.ofMillis(250);
    private Duration terminationGrace = Duration.ofSeconds(5);
    private MemorySize outputLimit = MemorySize.ofKibibytes(64);
    private boolean failOnNonZeroExit;
    private PoolListener listener;
    private boolean shutdownHook = true;
    private boolean requireLifeline;
    private Executor callbackExecutor;

    private Builder() {}

    private void once(String setting, Object currentValue) {
      rules.once(setting, currentValue);
    }

    /**
     * Names the pool in logs, thread names, temporary directories and messages. Letters,
     * digits, '.', '_' and '-', at most 40. Default: {@code commands-N}.
     *
     * @param name the pool's name; null for the default
     * @return this builder
     * @throws IllegalStateException if the name was already set
     */
    public Builder name(String name) {
      once("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Most trees alive at once. Default: the number of processors.
     *
     * @param workers the most trees alive at once, 1 to 4096
     * @return this builder
     * @throws IllegalStateException if {@code workers} was already set
     */
    public Builder workers(int workers) {
      once("workers", this.workers);
      this.workers = workers;
      return this;
    }

    /**
     * Most tasks waiting for a worker. Zero means no waiting. Default: 1000.
     *
     * @param queueCapacity the most tasks waiting, 0 or more
     * @return this builder
     * @throws IllegalStateException if {@code queueCapacity} was already set
     */
    public Builder queueCapacity(int queueCapacity) {
      once("queueCapacity", this.queueCapacity);
      this.queueCapacity = queueCapacity;
      return this;
    }

    /**
     * Makes {@link CommandPool#run} block, up to {@code maxWait} (at most 365 days), for room
     * when every worker is busy and the queue is full, instead of refusing at once.
     *
     * @param maxWait the longest {@code run} waits for room
     * @return this builder
     * @throws IllegalStateException if {@code blockWhenSaturated} was already set
     */
    public Builder blockWhenSaturated(Duration maxWait) {
      once("blockWhenSaturated", this.admissionWait);
      this.admissionWait = Objects.requireNonNull(maxWait, "maxWait");
      return this;
    }

    /**
     * Longest a task's tree may run, from its start; a command may override it. At least the
     * sample interval, at most 365 days. Default: 10 minutes.
     *
     * @param taskTimeout the longest a tree may run
     * @return this builder
     * @throws IllegalStateException if {@code taskTimeout} was already set
     */
    public Builder taskTimeout(Duration taskTimeout) {
      once("taskTimeout", this.taskTimeout);
      this.taskTimeout = Objects.requireNonNull(taskTimeout, "taskTimeout");
      return this;
    }

    /**
     * Hard limit on a task's whole process tree; a command may override it. Default: 1 GiB.
     *
     * @param memoryLimit the most memory a task's whole tree may use, at least one page
     * @return this builder
     * @throws IllegalStateException if {@code memoryLimit} was already set
     */
    public Builder memoryLimit(MemorySize memoryLimit) {
      once("memoryLimit", this.memoryLimit);
      this.memoryLimit = Objects.requireNonNull(memoryLimit, "memoryLimit");
      return this;
    }

    /**
     * Most live processes one tree may hold; a tree past it (a fork loop) is ended at once
     * with {@link ProcessLimitExceededException}. Checked every sample without cgroups, so a
     * fast fork loop may overshoot by what it starts in one {@code sampleInterval}. From 1 to
     * 4194304 (the kernel's highest {@code pid_max}). Default: 1024.
     *
     * @param maxProcesses the most live processes in one tree
     * @return this builder
     * @throws IllegalStateException if {@code maxProcesses} was already set
     */
    public Builder maxProcesses(int maxProcesses) {
      once("maxProcesses", this.maxProcesses);
      this.maxProcesses = maxProcesses;
      return this;
    }

    /**
     * Whether each tree gets a cgroup of its own, and which version: {@link CgroupMode#AUTO}
     * (the default) takes the strongest the machine offers, {@code V2} or {@code V1} insist on
     * one ({@code build()} fails, saying why, where it is not usable), {@code NONE} never uses
     * cgroups. The default can also be set with the system property {@code stockade.cgroupMode}.
     *
     * @param cgroupMode whether and which cgroups contain the trees
     * @return this builder
     * @throws IllegalStateException if {@code cgroupMode} was already set
     */
    public Builder cgroupMode(CgroupMode cgroupMode) {
      once("cgroupMode", this.cgroupMode);
      this.cgroupMode = Objects.requireNonNull(cgroupMode, "cgroupMode");
      return this;
    }

    /**
     * Admission by memory: while the memory available to this JVM's container (its cgroup's
     * limit less its usage, or the host's available memory; see {@link MemoryBudget}) is below
     * this, the pool starts no new worker tree and applies its
     * {@link #memoryPressurePolicy memoryPressurePolicy}. Must be below the memory the JVM may
     * use. Default: off.
     *
     * @param minFreeMemory the memory that must be available before a new tree is started
     * @return this builder
     * @throws IllegalStateException if {@code minFreeMemory} was already set
     */
    public Builder minFreeMemory(MemorySize minFreeMemory) {
      once("minFreeMemory", this.minFreeMemory);
      this.minFreeMemory = Objects.requireNonNull(minFreeMemory, "minFreeMemory");
      return this;
    }

    /**
     * What to do with work that needs a new tree under memory pressure. Default: QUEUE.
     *
     * @param memoryPressurePolicy queue the work, or shed it
     * @return this builder
     * @throws IllegalStateException if {@code memoryPressurePolicy} was already set
     */
    public Builder memoryPressurePolicy(MemoryPressurePolicy memoryPressurePolicy) {
      once("memoryPressurePolicy", this.memoryPressurePolicy);
      this.memoryPressurePolicy =
          Objects.requireNonNull(memoryPressurePolicy, "memoryPressurePolicy");
      return this;
    }

    /**
     * How tree memory is measured. Default: {@link MemoryAccounting#RSS_SCREENED_PSS}.
     *
     * @param memoryAccounting the measurement of a tree's memory
     * @return this builder
     * @throws IllegalStateException if {@code memoryAccounting} was already set
     */
    public Builder memoryAccounting(MemoryAccounting memoryAccounting) {
      once("memoryAccounting", this.memoryAccounting);
      this.memoryAccounting = Objects.requireNonNull(memoryAccounting, "memoryAccounting");
      return this;
    }

    /**
     * How often the housekeeper samples every tree and checks limits and deadlines; also the
     * resolution of both. From 10 ms to 1 minute. Default: 250 ms.
     *
     * @param sampleInterval the time between two samples of every tree
     * @return this builder
     * @throws IllegalStateException if {@code sampleInterval} was already set
     */
    public Builder sampleInterval(Duration sampleInterval) {
      once("sampleInterval", this.sampleInterval);
      this.sampleInterval = Objects.requireNonNull(sampleInterval, "sampleInterval");
      return this;
    }

    /**
     * How long a tree may take to exit after SIGTERM before SIGKILL, when it is ended for a
     * timeout, a cancel or a close, or when a command left processes behind. A memory breach
     * skips it. Zero sends SIGKILL at once. At most 5 minutes. Default: 5 seconds.
     *
     * @param terminationGrace the time between SIGTERM and SIGKILL
     * @return this builder
     * @throws IllegalStateException if {@code terminationGrace} was already set
     */
    public Builder terminationGrace(Duration terminationGrace) {
      once("terminationGrace", this.terminationGrace);
      this.terminationGrace = Objects.requireNonNull(terminationGrace, "terminationGrace");
      return this;
    }

    /**
     * Bytes of stdout and of stderr kept per task (the tail); the rest is counted and dropped.
     * At most 64 MiB. Default: 64 KiB.
     *
     * @param outputLimit the bytes kept of each stream
     * @return this builder
     * @throws IllegalStateException if {@code outputLimit} was already set
     */
    public Builder outputLimit(MemorySize outputLimit) {
      once("outputLimit", this.outputLimit);
      this.outputLimit = Objects.requireNonNull(outputLimit, "outputLimit");
      return this;
    }

    /**
     * When true, a command that ends by itself with a non-zero exit code or a signal fails its
     * future with {@link CommandFailedException} (the result attached) instead of completing
     * it. Default: false, because for many programs a non-zero exit is an answer, not an error.
     *
     * @param failOnNonZeroExit whether such an ending fails the future
     * @return this builder
     * @throws IllegalStateException if {@code failOnNonZeroExit} was already set
     */
    public Builder failOnNonZeroExit(boolean failOnNonZeroExit) {
      once("failOnNonZeroExit", this.failOnNonZeroExit);
      this.failOnNonZeroExit = failOnNonZeroExit;
      return this;
    }

    /**
     * Receives lifecycle events; see {@link PoolListener} for the rules it must follow.
     *
     * @param listener the listener
     * @return this builder
     * @throws IllegalStateException if a listener was already set
     */
    public Builder listener(PoolListener listener) {
      once("listener", this.listener);
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Whether a JVM shutdown hook closes the pool, draining running tasks for up to 5 s first
     * ({@link CommandPool#close(Duration)}; a courtesy for orderly exits, it does not run on
     * SIGKILL). Turn it off when a framework closes the pool. Default: true.
     *
     * @param shutdownHook whether to register the hook
     * @return this builder
     * @throws IllegalStateException if {@code shutdownHook} was already set
     */
    public Builder shutdownHook(boolean shutdownHook) {
      once("shutdownHook", this.shutdownHook);
      this.shutdownHook = shutdownHook;
      return this;
    }

    /**
     * Whether the pool must not run without the lifeline, the watchdog process that ends every
     * tree of this JVM if the JVM is killed (see {@link PoolSnapshot#lifeline()}). When true,
     * {@link #build()} starts the watchdog at once and fails if it cannot be started or does not
     * say it is ready within 20 s. Default: false — a lifeline that cannot start is logged at
     * ERROR with the watchdog's own words and shown in {@link CommandPool#snapshot()}, and the
     * pool runs on, its own teardown intact.
     *
     * @param requireLifeline whether the pool requires the lifeline
     * @return this builder
     * @throws IllegalStateException if {@code requireLifeline} was already set
     */
    public Builder requireLifeline(boolean requireLifeline) {
      once("requireLifeline", this.requireLifeline);
      this.requireLifeline = requireLifeline;
      return this;
    }

    /**
     * Where the caller's code runs: the dependent stages of the futures this pool returns
     * ({@code thenApply}, {@code whenComplete}, and the {@code …Async} stages given no
     * executor) when no caller is waiting in {@code get}/{@code join} to run them and the {@link PoolListener}'s events. Never the pool's own threads, which read
     * processes and keep time. Default: a pool-owned executor of up to {@code max(2, workers)}
     * daemon threads that end after 30 s idle; the pool shuts it down when it closes. An
     * executor given here is used as is and never shut down by the pool; if it refuses work,
     * the work runs on a thread of its own.
     *
     * @param callbackExecutor the executor for the caller's code
     * @return this builder
     * @throws IllegalStateException if a callback executor was already set
     */
    public Builder callbackExecutor(Executor callbackExecutor) {
      once("callbackExecutor", this.callbackExecutor);
      this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
      return this;
    }

    /**
     * Validates every setting and starts the pool.
     *
     * @return the running pool
     * @throws IllegalArgumentException naming the first setting out of range, before anything
     *     was started
     * @throws UnsupportedOperationException on a machine without {@code /proc}
     * @throws IllegalStateException if {@link #requireLifeline requireLifeline} is true and the
     *     lifeline's watchdog cannot be started (saying why)
     */
    public CommandPool build() {
      String poolName = name != null ? name : "commands-" + POOL_NUMBER.incrementAndGet();
      require(SettingRules.POOL_NAME.matcher(poolName).matches(), "name",
          SettingRules.POOL_NAME_RULE, poolName);
      require(workers >= 1, "workers", ">= 1", workers);
      require(workers <= 4096, "workers", "<= 4096", workers);
      require(queueCapacity >= 0, "queueCapacity", ">= 0", queueCapacity);
      if (admissionWait != null) {
        require(!admissionWait.isNegative() && !admissionWait.isZero(), "blockWhenSaturated",
            "a positive duration", admissionWait);
        SettingRules.requireAtMostLongest(admissionWait, "blockWhenSaturated");
      }
      require(sampleInterval.compareTo(Duration.ofMillis(10)) >= 0
              && sampleInterval.compareTo(Duration.ofMinutes(1)) <= 0,
          "sampleInterval", "between 10 ms and 1 minute", sampleInterval);
      require(taskTimeout.compareTo(sampleInterval) >= 0, "taskTimeout",
          ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", taskTimeout);
      SettingRules.requireAtMostLongest(taskTimeout, "taskTimeout");
      require(memoryLimit.toBytes() >= PAGE, "memoryLimit",
          ">= one page (" + PAGE + " bytes)", memoryLimit);
      require(!terminationGrace.isNegative()
              && terminationGrace.compareTo(Duration.ofMinutes(5)) <= 0,
          "terminationGrace", "between 0 and 5 minutes", terminationGrace);
      int processes = maxProcesses == null ? SettingRules.DEFAULT_MAX_PROCESSES : maxProcesses;
      require(processes >= 1 && processes <= SettingRules.MAX_PROCESSES_CEILING, "maxProcesses",
          "between 1 and " + SettingRules.MAX_PROCESSES_CEILING, processes);
      require(outputLimit.compareTo(MemorySize.ofMebibytes(64)) <= 0, "outputLimit",
          "<= 64 MiB", outputLimit);
      if (workers > 4 * Runtime.getRuntime().availableProcessors()) {
        log.warn("[{}] workers={} is more than 4 trees per processor ({} processors)", poolName,
            workers, Runtime.getRuntime().availableProcessors());
      }
      if (memoryLimit.compareTo(MemorySize.ofMebibytes(16)) < 0) {
        log.warn("[{}] memoryLimit={} is below 16 MiB: most programs need more to start",
            poolName, memoryLimit);
      }
      if (requireLifeline) {
        Lifeline.get().requireRunning();
      }
      PoolSettings common = new PoolSettings(poolName, workers, queueCapacity,
          Optional.ofNullable(admissionWait), taskTimeout, memoryLimit, processes,
          cgroupMode != null ? cgroupMode : SettingRules.defaultCgroupMode(),
          SettingRules.requireBelowBudget(minFreeMemory), memoryPressurePolicy, memoryAccounting,
          sampleInterval, terminationGrace, Optional.ofNullable(listener), shutdownHook,
          Optional.ofNullable(callbackExecutor));
      return new CommandPool(new CommandPoolSettings(common, (int) outputLimit.toBytes(),
          failOnNonZeroExit));
    }

    private static void require(boolean ok, String setting, String constraint, Object value) {
      SettingRules.require(ok, setting, constraint, value);
    }
  }
}
