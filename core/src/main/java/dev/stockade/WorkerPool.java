package dev.stockade;

import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.launch.ProgramCheck;
import dev.stockade.internal.launch.ProgramStartException;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.os.TempDirectories;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.workers.JvmWorkerCommand;
import dev.stockade.internal.workers.RealWorkerPool;
import dev.stockade.internal.workers.WorkerPoolSettings;
import dev.stockade.worker.Handler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of long-lived worker processes that take task after task over the Stockade
 * protocol ({@code docs/protocol.md}): the JVM's {@code multiprocessing.Pool}, and a pool of
 * browser workers.
 *
 * <pre>{@code
 * try (WorkerPool<String, String> pool = WorkerPool.builder(Codec.utf8(), Codec.utf8())
 *         .pythonWorker(Path.of("render_worker.py"))
 *         .workers(4)
 *         .memoryLimit(MemorySize.ofMebibytes(512))
 *         .build()) {
 *     String html = pool.submit("https://example.com").get();
 * }
 * }</pre>
 *
 * <p>Everything {@link CommandPool} guarantees for a tree holds for each worker here, through
 * the same engine: a hard memory limit over the whole tree, complete teardown (daemonized
 * descendants included), a {@code TMPDIR} of its own removed with it, and signals only through
 * pid descriptors. On top of that:
 *
 * <ul>
 *   <li><b>Liveness.</b> A worker that sends no heartbeat for {@code heartbeatTimeout} is ended
 *       ({@link HeartbeatTimeoutException}) if it is hung: its root process is stopped, or its
 *       tree used less than a twentieth of one CPU over that time. One whose tree keeps using
 *       CPU is busy (a C call holding Python's GIL keeps the heartbeat thread from running) and
 *       is left to the task's timeouts ({@link WorkerSnapshot#busyWithoutHeartbeat()},
 *       {@link PoolListener#workerBusyWithoutHeartbeat}); a task that reports no progress for
 *       {@code progressTimeout}, when set, is ended ({@link ProgressTimeoutException}); idle
 *       workers are pinged, and probed by an optional {@link HealthCheck}, every
 *       {@code healthCheckInterval}.
 *   <li><b>Recycling.</b> Workers are retired after {@code maxTasksPerWorker} tasks or
 *       {@code maxWorkerAge} (both reduced by a random jitter, so workers do not all retire
 *       together), when their tree crosses the soft memory limit (after the current task), and
 *       after {@code idleTimeout} idle while more than {@code minIdle} are alive.
 *   <li><b>Crashes fail one task.</b> A worker that dies mid-task fails only that task
 *       ({@link WorkerCrashedException}: exit code or signal, stderr tail, peak memory); a
 *       replacement starts. Restarts after failures back off exponentially with jitter, and
 *       after {@code startFailureThreshold} failed starts in a row a circuit breaker opens: the
 *       pool stops starting processes, {@link #isHealthy()} turns false, submissions fail at
 *       once with {@link PoolUnhealthyException}, and after {@code circuitOpenDuration} the pool
 *       probes with one start. Tasks marked {@link TaskOptions#withIdempotent} are retried on
 *       another worker after a crash, a heartbeat loss, a protocol violation or a failure of
 *       the pool's own supervision ({@link SupervisionFailedException}).
 *   <li><b>Every future completes exactly once</b>: with the decoded result, with
 *       {@link TaskFailedException} when the handler raised, or with a typed
 *       {@link StockadeException}. {@code cancel(true)} sends CANCEL and ends the worker if the
 *       task has not stopped within {@code cancelGrace}; the future, as the {@code Future}
 *       contract requires, completes at once, and the listener's {@link PoolListener#taskFailed}
 *       tells when the task has stopped.
 *   <li><b>At most once</b>: a task not marked idempotent is never run twice, whatever ends its
 *       worker; a task that may have run fails instead.
 * </ul>
 *
 * <p>The caller's code never runs on the pool's own threads: a future's dependent stages
 * ({@code thenApply} and its kin) run on the thread of a caller that was waiting for the result
 * in {@code get} or {@code join}, or else on the pool's callback executor
 * ({@link Builder#callbackExecutor}), where the listener and the health check run too; so a
 * slow callback delays neither other tasks nor any worker's heartbeats, and a callback may wait
 * on another task of the same pool.
 * {@link #close()} refuses new tasks, fails queued ones with {@link PoolClosedException}, asks
 * idle workers to exit, ends busy ones (their tasks fail with {@link PoolClosedException}) and
 * returns once every tree is gone. {@link #shutdown()} and {@link #close(Duration)} close
 * gracefully instead: intake stops, accepted tasks finish (up to a deadline) while workers
 * retire as they go idle, then what is left is ended. A JVM shutdown hook calls
 * {@code close(Duration)} with a drain of 5 s unless {@code shutdownHook(false)}.
 *
 * @param <I> the task input type, encoded by the input {@link Codec}
 * @param <O> the result type, decoded by the output {@link Codec}
 */
public final class WorkerPool<I, O> implements AutoCloseable {
  private final RealWorkerPool engine;
  private final Codec<I> input;
  private final Codec<O> output;

  private WorkerPool(WorkerPoolSettings settings, Codec<I> input, Codec<O> output) {
    this.input = input;
    this.output = output;
    this.engine = RealWorkerPool.start(settings);
  }

  /**
   * A builder for a pool whose tasks take {@code I} and give {@code O}.
   *
   * @param <I> the task input type
   * @param <O> the result type
   * @param input encodes task inputs into payloads
   * @param output decodes payloads into results
   * @return a new builder, every setting at its default
   */
  public static <I, O> Builder<I, O> builder(Codec<I> input, Codec<O> output) {
    return new Builder<>(Objects.requireNonNull(input, "input codec"),
        Objects.requireNonNull(output, "output codec"));
  }

  /**
   * Submits a task with the pool's defaults.
   *
   * @param task the task's input
   * @return a future that completes with the decoded result, or fails with a
   *     {@link StockadeException} that says why it has none (or, once cancelled, with a
   *     {@code CancellationException})
   * @throws IllegalArgumentException if the input codec cannot encode {@code task}, or the encoded
   *     payload is larger than {@code maxFrameSize}
   */
  public CompletableFuture<O> submit(I task) {
    return submit(task, TaskOptions.defaults());
  }

  /**
   * Submits a task. Admission failures come back as a failed future
   * ({@link PoolSaturatedException}, {@link PoolClosedException},
   * {@link PoolUnhealthyException}), never as a throw.
   *
   * @param task the task's input
   * @param options how this task differs from the pool's settings
   * @return a future that completes with the decoded result, or fails with a
   *     {@link StockadeException} that says why it has none (or, once cancelled, with a
   *     {@code CancellationException})
   * @throws IllegalArgumentException if the input codec cannot encode {@code task}, or the
   *     encoded payload is larger than {@code maxFrameSize}
   */
  public CompletableFuture<O> submit(I task, TaskOptions options) {
    Objects.requireNonNull(options, "options");
    byte[] payload;
    try {
      payload = input.encode(task);
    } catch (Exception e) {
      throw new IllegalArgumentException("input codec " + input + " could not encode task '"
          + options.label() + "': " + e.getMessage(), e);
    }
    Objects.requireNonNull(payload, "input codec returned null");
    @SuppressWarnings("unchecked") // the engine completes it only with output.decode's values
    CompletableFuture<O> future =
        (CompletableFuture<O>) (CompletableFuture<?>) engine.submit(payload, options,
            output::decode);
    return future;
  }

  /**
   * False while the circuit breaker is open or probing: workers keep failing to start.
   *
   * @return whether the pool starts workers and takes tasks
   */
  public boolean isHealthy() {
    return engine.isHealthy();
  }

  /**
   * The pool's counts and every live worker at the last sample.
   *
   * @return a snapshot of the pool
   */
  public PoolSnapshot snapshot() {
    return engine.snapshot();
  }

  /**
   * The pool's name, as given to {@link Builder#name} or {@code workers-N}.
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
   * {@code shutdown()}. Idle workers retire at
   * once, busy ones as soon as no queued task is left for them. Once the last accepted task has ended, the pool closes itself.
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
   * Configures a {@link WorkerPool}. Exactly one worker kind must be given
   * ({@link #jvmWorker}, {@link #pythonWorker}, {@link #nodeWorker} or {@link #command}). Each
   * setting may be set once; every value is checked at {@link #build()}, which throws
   * {@link IllegalArgumentException} with a message of the form
   * {@code "<setting> must be <constraint>, but was <value>"}. No duration may exceed 365 days.
   * The worker's program is checked too: it must be one the kernel can start in its working
   * directory ({@code python3} and {@code node} are looked up on {@code PATH}). Every check
   * comes before the pool starts anything: a {@code build()} that throws leaves no thread,
   * shutdown hook or directory behind.
   */
  public static final class Builder<I, O> {
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();
    private static final long PAGE = PoolSettings.MIN_MEMORY_LIMIT_BYTES;

    private final Codec<I> input;
    private final Codec<O> output;
    private final SettingRules rules = new SettingRules();
    private String name;
    private WorkerKind kind;
    private List<String> jvmOptions = List.of();
    private List<Path> jvmWorkerClassPath;
    private boolean requireLifeline;
    private int workers = Runtime.getRuntime().availableProcessors();
    private int tasksInFlightPerWorker = 1;
    private int minIdle = 0;
    private int queueCapacity = 1000;
    private Duration admissionWait;
    private Duration taskTimeout = Duration.ofMinutes(10);
    private MemorySize memoryLimit = MemorySize.ofGibibytes(1);
    private MemorySize softMemoryLimit;
    private MemoryAccounting memoryAccounting = MemoryAccounting.RSS_SCREENED_PSS;
    private Integer maxProcesses;
    private CgroupMode cgroupMode;
    private MemorySize minFreeMemory = MemorySize.ZERO;
    private MemoryPressurePolicy memoryPressurePolicy = MemoryPressurePolicy.QUEUE;
    private Duration sampleInterval = Duration.ofMillis(250);
    private Duration terminationGrace = Duration.ofSeconds(5);
    private Duration startTimeout = Duration.ofSeconds(30);
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration heartbeatTimeout = Duration.ofSeconds(10);
    private Duration progressTimeout;
    private Duration healthCheckInterval = Duration.ofSeconds(30);
    private Duration healthCheckTimeout = Duration.ofSeconds(5);
    private int healthCheckFailures = 3;
    private HealthCheck healthCheck;
    private int maxTasksPerWorker; // 0 while unset: no limit, as WorkerPoolSettings reads it
    private Duration maxWorkerAge;
    private double recycleJitter = 0.1;
    private Duration idleTimeout = Duration.ofMinutes(10);
    private Duration cancelGrace = Duration.ofSeconds(5);
    private MemorySize maxFrameSize = MemorySize.ofMebibytes(16);
    private Duration restartBackoffInitial = Duration.ofMillis(200);
    private Duration restartBackoffMax = Duration.ofSeconds(30);
    private int startFailureThreshold = 5;
    private Duration circuitOpenDuration = Duration.ofSeconds(30);
    private int retryAttempts = 3;
    private PoolListener listener;
    private boolean shutdownHook = true;
    private Executor callbackExecutor;

    private Builder(Codec<I> input, Codec<O> output) {
      this.input = input;
      this.output = output;
    }

    /** What program a worker is; one of the four kinds. */
    private sealed interface WorkerKind {}

    private record JvmKind(Class<? extends Handler> handler) implements WorkerKind {}

    private record PythonKind(Path script) implements WorkerKind {}

    private record NodeKind(Path script) implements WorkerKind {}

    private record CommandKind(Command command) implements WorkerKind {}

    private void kind(WorkerKind next) {
      if (kind != null) {
        throw new IllegalStateException("the worker kind was already set to " + kind
            + "; a pool has one kind of worker");
      }
      kind = next;
    }

    /**
     * Workers are child JVMs running {@code handler} (see {@link Handler}), started with this
     * JVM's {@code java}, a heap of 60 % of the memory limit, the serial collector, and exit on
     * {@link OutOfMemoryError}. They find their classes as this JVM was started: its class path
     * ({@code java -cp}, {@code java -jar}), a Spring Boot executable jar (through Boot's
     * {@code PropertiesLauncher}), the files of the {@code URLClassLoader}s that loaded the
     * handler and Stockade ({@code mvn exec:java}), or its module path (the handler's module
     * added; its package must be exported to {@code dev.stockade}). Where none of these can be
     * named as files, {@link #build()} fails and {@link #jvmWorkerClassPath} is the fix. On JDK
     * 22 and later they get {@code --enable-native-access} for Stockade's native calls.
     *
     * @param handler the class of the handler; public, with a public no-argument constructor
     * @return this builder
     * @throws IllegalStateException if the worker kind was already set
     */
    public Builder<I, O> jvmWorker(Class<? extends Handler> handler) {
      kind(new JvmKind(Objects.requireNonNull(handler, "handler")));
      return this;
    }

    /**
     * The class path of {@link #jvmWorker} JVMs, instead of the one found from how this JVM was
     * started: the jars and directories of Stockade, the handler and their dependencies. For a
     * handler loaded by a class loader whose classes are not files this JVM can name (an
     * application server's modules, classes defined from memory). Each entry must exist.
     *
     * @param classPath the jars and directories of the worker JVMs' class path, in order
     * @return this builder
     * @throws IllegalStateException if the class path was already set
     */
    public Builder<I, O> jvmWorkerClassPath(List<Path> classPath) {
      rules.once("jvmWorkerClassPath", jvmWorkerClassPath);
      this.jvmWorkerClassPath = List.copyOf(classPath);
      return this;
    }

    /**
     * Whether the pool must not run without the lifeline, the watchdog process that ends every
     * tree of this JVM if the JVM is killed (see {@link PoolSnapshot#lifeline()}). When true,
     * {@link #build()} starts the watchdog at once and fails if it cannot be started or does not
     * say it is ready within 20 s. Default: false — a lifeline that cannot start is logged at
     * ERROR with the watchdog's own words and shown in {@link WorkerPool#snapshot()}, and the
     * pool runs on, its own teardown intact.
     *
     * @param requireLifeline whether the pool requires the lifeline
     * @return this builder
     * @throws IllegalStateException if {@code requireLifeline} was already set
     */
    public Builder<I, O> requireLifeline(boolean requireLifeline) {
      rules.once("requireLifeline", this.requireLifeline);
      this.requireLifeline = requireLifeline;
      return this;
    }

    /**
     * Extra options for {@link #jvmWorker} JVMs, after Stockade's own (so they win).
     *
     * @param options the options, in order
     * @return this builder
     * @throws IllegalStateException if the options were already set
     */
    public Builder<I, O> jvmOptions(List<String> options) {
      rules.once("jvmOptions", jvmOptions);
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    /**
     * Workers are {@code python3 script}. The Python runtime ({@link WorkerRuntimes}) is written
     * out by the pool and put on {@code PYTHONPATH}, so the script may {@code import
     * stockade_worker} and call {@code stockade_worker.run(handle)}.
     *
     * @param script the Python script a worker runs
     * @return this builder
     * @throws IllegalStateException if the worker kind was already set
     */
    public Builder<I, O> pythonWorker(Path script) {
      kind(new PythonKind(Objects.requireNonNull(script, "script")));
      return this;
    }

    /**
     * Workers are {@code node script}. The Node runtime ({@link WorkerRuntimes}) is written out
     * by the pool and put on {@code NODE_PATH}, so the script may
     * {@code require('stockade-worker')} and call {@code run(handler)}.
     *
     * @param script the Node script a worker runs
     * @return this builder
     * @throws IllegalStateException if the worker kind was already set
     */
    public Builder<I, O> nodeWorker(Path script) {
      kind(new NodeKind(Objects.requireNonNull(script, "script")));
      return this;
    }

    /**
     * Workers are {@code command}, any program that speaks the protocol. Its arguments,
     * environment, directory and label are used; it must not carry a timeout or memory limit
     * (set them on the pool).
     *
     * @param command the program a worker runs
     * @return this builder
     * @throws IllegalStateException if the worker kind was already set
     */
    public Builder<I, O> command(Command command) {
      kind(new CommandKind(Objects.requireNonNull(command, "command")));
      return this;
    }

    /**
     * Names the pool in logs, threads, paths and messages. Default: {@code workers-N}.
     *
     * @param name the pool's name; null for the default
     * @return this builder
     * @throws IllegalStateException if the name was already set
     */
    public Builder<I, O> name(String name) {
      rules.once("name", this.name);
      this.name = name;
      return this;
    }

    /**
     * Most workers alive at once. Default: the number of processors.
     *
     * @param workers the most workers alive at once
     * @return this builder
     * @throws IllegalStateException if {@code workers} was already set
     */
    public Builder<I, O> workers(int workers) {
      rules.once("workers", this.workers);
      this.workers = workers;
      return this;
    }

    /**
     * Tasks sent to a worker before it answered the first, so its next task is already in its
     * pipe when it finishes one: throughput for small tasks, at a price. A worker still runs
     * one task at a time, in order; a task's timeout starts when it becomes the one running;
     * if the worker dies, the running task fails and the ones behind it, which never started,
     * go back to the queue. 1 to 64; default 1 (send a task only to an idle worker).
     *
     * @param tasksInFlightPerWorker the most tasks sent to one worker at once, 1 to 64
     * @return this builder
     * @throws IllegalStateException if {@code tasksInFlightPerWorker} was already set
     */
    public Builder<I, O> tasksInFlightPerWorker(int tasksInFlightPerWorker) {
      rules.once("tasksInFlightPerWorker", this.tasksInFlightPerWorker);
      this.tasksInFlightPerWorker = tasksInFlightPerWorker;
      return this;
    }

    /**
     * Workers kept alive and ready even with no work (pre-warmed, started at build and
     * replaced when they end); idle ones above this number retire after {@code idleTimeout}.
     * Default: 0.
     *
     * @param minIdle the workers kept alive with no work
     * @return this builder
     * @throws IllegalStateException if {@code minIdle} was already set
     */
    public Builder<I, O> minIdle(int minIdle) {
      rules.once("minIdle", this.minIdle);
      this.minIdle = minIdle;
      return this;
    }

    /**
     * Most tasks waiting for a worker. Default: 1000.
     *
     * @param queueCapacity the most tasks waiting
     * @return this builder
     * @throws IllegalStateException if {@code queueCapacity} was already set
     */
    public Builder<I, O> queueCapacity(int queueCapacity) {
      rules.once("queueCapacity", this.queueCapacity);
      this.queueCapacity = queueCapacity;
      return this;
    }

    /**
     * Makes {@code submit} block, up to {@code maxWait}, for room instead of refusing.
     *
     * @param maxWait the longest {@code submit} waits for room
     * @return this builder
     * @throws IllegalStateException if {@code blockWhenSaturated} was already set
     */
    public Builder<I, O> blockWhenSaturated(Duration maxWait) {
      rules.once("blockWhenSaturated", this.admissionWait);
      this.admissionWait = Objects.requireNonNull(maxWait, "maxWait");
      return this;
    }

    /**
     * Longest a task may run once a worker took it. Default: 10 minutes.
     *
     * @param taskTimeout the longest a task may run
     * @return this builder
     * @throws IllegalStateException if {@code taskTimeout} was already set
     */
    public Builder<I, O> taskTimeout(Duration taskTimeout) {
      rules.once("taskTimeout", this.taskTimeout);
      this.taskTimeout = Objects.requireNonNull(taskTimeout, "taskTimeout");
      return this;
    }

    /**
     * Hard limit on a worker's whole tree: crossing it ends the worker at once. 1 GiB.
     *
     * @param memoryLimit the most memory a worker's whole tree may use
     * @return this builder
     * @throws IllegalStateException if {@code memoryLimit} was already set
     */
    public Builder<I, O> memoryLimit(MemorySize memoryLimit) {
      rules.once("memoryLimit", this.memoryLimit);
      this.memoryLimit = Objects.requireNonNull(memoryLimit, "memoryLimit");
      return this;
    }

    /**
     * Soft limit: a worker whose tree crosses it is retired after its current task. Must be
     * below the hard limit. Default: 80 % of the hard limit.
     *
     * @param softMemoryLimit the memory past which a worker retires after its task
     * @return this builder
     * @throws IllegalStateException if {@code softMemoryLimit} was already set
     */
    public Builder<I, O> softMemoryLimit(MemorySize softMemoryLimit) {
      rules.once("softMemoryLimit", this.softMemoryLimit);
      this.softMemoryLimit = Objects.requireNonNull(softMemoryLimit, "softMemoryLimit");
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
    public Builder<I, O> maxProcesses(int maxProcesses) {
      rules.once("maxProcesses", this.maxProcesses);
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
    public Builder<I, O> cgroupMode(CgroupMode cgroupMode) {
      rules.once("cgroupMode", this.cgroupMode);
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
    public Builder<I, O> minFreeMemory(MemorySize minFreeMemory) {
      rules.once("minFreeMemory", this.minFreeMemory);
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
    public Builder<I, O> memoryPressurePolicy(MemoryPressurePolicy memoryPressurePolicy) {
      rules.once("memoryPressurePolicy", this.memoryPressurePolicy);
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
    public Builder<I, O> memoryAccounting(MemoryAccounting memoryAccounting) {
      rules.once("memoryAccounting", this.memoryAccounting);
      this.memoryAccounting = Objects.requireNonNull(memoryAccounting, "memoryAccounting");
      return this;
    }

    /**
     * Resolution of every limit, deadline and timeout. 10 ms to 1 minute; default 250 ms.
     *
     * @param sampleInterval the time between two samples of every tree
     * @return this builder
     * @throws IllegalStateException if {@code sampleInterval} was already set
     */
    public Builder<I, O> sampleInterval(Duration sampleInterval) {
      rules.once("sampleInterval", this.sampleInterval);
      this.sampleInterval = Objects.requireNonNull(sampleInterval, "sampleInterval");
      return this;
    }

    /**
     * Time between SIGTERM and SIGKILL, and for a retiring worker to exit. Default: 5 s.
     *
     * @param terminationGrace the time between SIGTERM and SIGKILL
     * @return this builder
     * @throws IllegalStateException if {@code terminationGrace} was already set
     */
    public Builder<I, O> terminationGrace(Duration terminationGrace) {
      rules.once("terminationGrace", this.terminationGrace);
      this.terminationGrace = Objects.requireNonNull(terminationGrace, "terminationGrace");
      return this;
    }

    /**
     * Longest a worker may take to say HELLO; a late one is a failed start. Default: 30 s.
     *
     * @param startTimeout the longest a worker may take to say HELLO
     * @return this builder
     * @throws IllegalStateException if {@code startTimeout} was already set
     */
    public Builder<I, O> startTimeout(Duration startTimeout) {
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
    public Builder<I, O> heartbeatInterval(Duration heartbeatInterval) {
      rules.once("heartbeatInterval", this.heartbeatInterval);
      this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
      return this;
    }

    /**
     * Longest silence before a worker is ended, unless its tree keeps using CPU meanwhile (then
     * it is busy, not hung: see the class documentation). At least twice the heartbeat
     * interval. Default: 10 s.
     *
     * @param heartbeatTimeout the longest silence of a worker that is not busy
     * @return this builder
     * @throws IllegalStateException if {@code heartbeatTimeout} was already set
     */
    public Builder<I, O> heartbeatTimeout(Duration heartbeatTimeout) {
      rules.once("heartbeatTimeout", this.heartbeatTimeout);
      this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
      return this;
    }

    /**
     * Longest a task may go without reporting PROGRESS (counted from its start) before its
     * worker is ended. Default: none.
     *
     * @param progressTimeout the longest a task may go without reporting progress
     * @return this builder
     * @throws IllegalStateException if {@code progressTimeout} was already set
     */
    public Builder<I, O> progressTimeout(Duration progressTimeout) {
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
    public Builder<I, O> healthCheckInterval(Duration healthCheckInterval) {
      rules.once("healthCheckInterval", this.healthCheckInterval);
      this.healthCheckInterval = Objects.requireNonNull(healthCheckInterval,
          "healthCheckInterval");
      return this;
    }

    /**
     * Longest a PONG or a {@link HealthCheck} may take. Default: 5 s.
     *
     * @param healthCheckTimeout the longest a check may take
     * @return this builder
     * @throws IllegalStateException if {@code healthCheckTimeout} was already set
     */
    public Builder<I, O> healthCheckTimeout(Duration healthCheckTimeout) {
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
    public Builder<I, O> healthCheckFailures(int healthCheckFailures) {
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
    public Builder<I, O> healthCheck(HealthCheck healthCheck) {
      rules.once("healthCheck", this.healthCheck);
      this.healthCheck = Objects.requireNonNull(healthCheck, "healthCheck");
      return this;
    }

    /**
     * Tasks after which a worker is retired (less a jitter). At least 1. Default: no limit
     * (leave it unset).
     *
     * @param maxTasksPerWorker the tasks after which a worker retires
     * @return this builder
     * @throws IllegalStateException if {@code maxTasksPerWorker} was already set
     */
    public Builder<I, O> maxTasksPerWorker(int maxTasksPerWorker) {
      rules.once("maxTasksPerWorker", this.maxTasksPerWorker);
      this.maxTasksPerWorker = maxTasksPerWorker;
      return this;
    }

    /**
     * Age after which a worker is retired once idle (less a jitter). Default: none.
     *
     * @param maxWorkerAge the age after which a worker retires
     * @return this builder
     * @throws IllegalStateException if {@code maxWorkerAge} was already set
     */
    public Builder<I, O> maxWorkerAge(Duration maxWorkerAge) {
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
    public Builder<I, O> recycleJitter(double recycleJitter) {
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
    public Builder<I, O> idleTimeout(Duration idleTimeout) {
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
    public Builder<I, O> cancelGrace(Duration cancelGrace) {
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
    public Builder<I, O> maxFrameSize(MemorySize maxFrameSize) {
      rules.once("maxFrameSize", this.maxFrameSize);
      this.maxFrameSize = Objects.requireNonNull(maxFrameSize, "maxFrameSize");
      return this;
    }

    /**
     * The first and the largest pause before starting a worker after a failure; pauses double
     * with each failure in a row, with ±50 % jitter. Default: 200 ms and 30 s.
     *
     * @param initial the pause after the first failure
     * @param max the longest pause
     * @return this builder
     * @throws IllegalStateException if {@code restartBackoff} was already set
     */
    public Builder<I, O> restartBackoff(Duration initial, Duration max) {
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
    public Builder<I, O> startFailureThreshold(int startFailureThreshold) {
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
    public Builder<I, O> circuitOpenDuration(Duration circuitOpenDuration) {
      rules.once("circuitOpenDuration", this.circuitOpenDuration);
      this.circuitOpenDuration = Objects.requireNonNull(circuitOpenDuration,
          "circuitOpenDuration");
      return this;
    }

    /**
     * Most runs of an idempotent task, the first included. 1 to 10; default 3.
     *
     * @param retryAttempts the most runs of an idempotent task
     * @return this builder
     * @throws IllegalStateException if {@code retryAttempts} was already set
     */
    public Builder<I, O> retryAttempts(int retryAttempts) {
      rules.once("retryAttempts", this.retryAttempts);
      this.retryAttempts = retryAttempts;
      return this;
    }

    /**
     * Receives lifecycle events; see {@link PoolListener}.
     *
     * @param listener the listener
     * @return this builder
     * @throws IllegalStateException if a listener was already set
     */
    public Builder<I, O> listener(PoolListener listener) {
      rules.once("listener", this.listener);
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Whether a JVM shutdown hook closes the pool, draining running tasks for up to 5 s first
     * ({@link WorkerPool#close(Duration)}; a courtesy for orderly exits, it does not run on
     * SIGKILL). Turn it off when a framework closes the pool. Default: true.
     *
     * @param shutdownHook whether to register the hook
     * @return this builder
     * @throws IllegalStateException if {@code shutdownHook} was already set
     */
    public Builder<I, O> shutdownHook(boolean shutdownHook) {
      rules.once("shutdownHook", this.shutdownHook);
      this.shutdownHook = shutdownHook;
      return this;
    }

    /**
     * Where the caller's code runs: the dependent stages of the futures this pool returns
     * ({@code thenApply}, {@code whenComplete}, and the {@code …Async} stages given no
     * executor) when no caller is waiting in {@code get}/{@code join} to run them, the {@link PoolListener}'s events and the {@link HealthCheck}. Never the
     * pool's own threads, which read workers, watch heartbeats and keep time. Default: a
     * pool-owned executor of up to {@code max(2, workers)} daemon threads that end after 30 s
     * idle; the pool shuts it down when it closes. An executor given here is used as is and
     * never shut down by the pool; if it refuses work, the work runs on a thread of its own.
     *
     * @param callbackExecutor the executor for the caller's code
     * @return this builder
     * @throws IllegalStateException if a callback executor was already set
     */
    public Builder<I, O> callbackExecutor(Executor callbackExecutor) {
      rules.once("callbackExecutor", this.callbackExecutor);
      this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
      return this;
    }

    /**
     * Validates every setting and starts the pool (and its {@code minIdle} workers).
     *
     * @return the running pool
     * @throws IllegalArgumentException naming the first setting out of range, or a worker
     *     program that cannot be started (its path, the {@code PATH} searched for a bare name,
     *     the working directory and why), before anything was started
     * @throws IllegalStateException if no worker kind was given, or if
     *     {@link #requireLifeline requireLifeline} is true and the lifeline's watchdog cannot be
     *     started (saying why)
     */
    public WorkerPool<I, O> build() {
      String poolName = name != null ? name : "workers-" + POOL_NUMBER.incrementAndGet();
      require(SettingRules.POOL_NAME.matcher(poolName).matches(), "name",
          SettingRules.POOL_NAME_RULE, poolName);
      if (kind == null) {
        throw new IllegalStateException("no worker kind: call jvmWorker, pythonWorker, "
            + "nodeWorker or command before build()");
      }
      // First, so that no rule below computes with a duration its arithmetic cannot hold.
      requireAtMostLongest(admissionWait, "blockWhenSaturated");
      requireAtMostLongest(taskTimeout, "taskTimeout");
      requireAtMostLongest(heartbeatTimeout, "heartbeatTimeout");
      requireAtMostLongest(progressTimeout, "progressTimeout");
      requireAtMostLongest(healthCheckInterval, "healthCheckInterval");
      requireAtMostLongest(healthCheckTimeout, "healthCheckTimeout");
      requireAtMostLongest(maxWorkerAge, "maxWorkerAge");
      requireAtMostLongest(idleTimeout, "idleTimeout");
      for (int i = 0; i < jvmOptions.size(); i++) {
        // The kernel takes each argument up to its first NUL: the rest would vanish unseen.
        require(jvmOptions.get(i).indexOf('\0') < 0, "jvmOptions",
            "free of NUL characters", "'" + Command.withNulShown(jvmOptions.get(i))
                + "' (option " + i + ")");
      }
      require(workers >= 1 && workers <= 4096, "workers", "between 1 and 4096", workers);
      require(tasksInFlightPerWorker >= 1 && tasksInFlightPerWorker <= 64,
          "tasksInFlightPerWorker", "between 1 and 64", tasksInFlightPerWorker);
      require(minIdle >= 0 && minIdle <= workers, "minIdle",
          "between 0 and workers (" + workers + ")", minIdle);
      require(queueCapacity >= 0, "queueCapacity", ">= 0", queueCapacity);
      if (admissionWait != null) {
        require(!admissionWait.isNegative() && !admissionWait.isZero(), "blockWhenSaturated",
            "a positive duration", admissionWait);
      }
      SettingRules.requireBetween(sampleInterval, Duration.ofMillis(10), Duration.ofMinutes(1),
          "sampleInterval");
      require(taskTimeout.compareTo(sampleInterval) >= 0, "taskTimeout",
          ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", taskTimeout);
      require(memoryLimit.toBytes() >= PAGE, "memoryLimit", ">= one page (" + PAGE + " bytes)",
          memoryLimit);
      MemorySize soft = softMemoryLimit != null
          ? softMemoryLimit
          : MemorySize.ofBytes(memoryLimit.toBytes() / 5 * 4);
      require(soft.toBytes() >= PAGE && soft.compareTo(memoryLimit) < 0, "softMemoryLimit",
          "at least one page and below memoryLimit (" + memoryLimit + ")", soft);
      SettingRules.requireBetween(terminationGrace, Duration.ZERO, Duration.ofMinutes(5),
          "terminationGrace");
      SettingRules.requireBetween(startTimeout, sampleInterval, Duration.ofMinutes(10),
          "startTimeout");
      SettingRules.requireBetween(heartbeatInterval, Duration.ofMillis(10),
          Duration.ofMinutes(1), "heartbeatInterval");
      require(heartbeatTimeout.compareTo(heartbeatInterval.multipliedBy(2)) >= 0
              && heartbeatTimeout.compareTo(sampleInterval) >= 0, "heartbeatTimeout",
          ">= twice heartbeatInterval (" + heartbeatInterval.toMillis() + " ms) and >= "
              + "sampleInterval", heartbeatTimeout);
      if (progressTimeout != null) {
        require(progressTimeout.compareTo(sampleInterval) >= 0, "progressTimeout",
            ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", progressTimeout);
      }
      require(healthCheckInterval.compareTo(sampleInterval) >= 0, "healthCheckInterval",
          ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", healthCheckInterval);
      require(healthCheckTimeout.compareTo(sampleInterval) >= 0, "healthCheckTimeout",
          ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", healthCheckTimeout);
      require(healthCheckFailures >= 1, "healthCheckFailures", ">= 1", healthCheckFailures);
      if (rules.wasSet("maxTasksPerWorker")) {
        require(maxTasksPerWorker >= 1, "maxTasksPerWorker",
            ">= 1 (leave it unset for no limit)", maxTasksPerWorker);
      }
      if (maxWorkerAge != null) {
        require(maxWorkerAge.compareTo(sampleInterval) >= 0, "maxWorkerAge",
            ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", maxWorkerAge);
      }
      require(recycleJitter >= 0 && recycleJitter <= 0.5, "recycleJitter", "between 0 and 0.5",
          recycleJitter);
      require(idleTimeout.compareTo(sampleInterval) >= 0, "idleTimeout",
          ">= sampleInterval (" + sampleInterval.toMillis() + " ms)", idleTimeout);
      SettingRules.requireBetween(cancelGrace, Duration.ZERO, Duration.ofMinutes(5),
          "cancelGrace");
      require(maxFrameSize.toBytes() >= 1024 && maxFrameSize.toBytes() <= (1L << 30),
          "maxFrameSize", "between 1 KiB and 1 GiB", maxFrameSize);
      require(!restartBackoffInitial.isNegative() && !restartBackoffInitial.isZero()
              && restartBackoffInitial.compareTo(restartBackoffMax) <= 0, "restartBackoff",
          "a positive initial pause no longer than the largest one",
          SettingRules.shown(restartBackoffInitial) + ".." + SettingRules.shown(restartBackoffMax));
      require(restartBackoffMax.compareTo(Duration.ofHours(1)) <= 0, "restartBackoff",
          "at most 1 hour for the largest pause", restartBackoffMax);
      require(startFailureThreshold >= 1 && startFailureThreshold <= 100,
          "startFailureThreshold", "between 1 and 100", startFailureThreshold);
      SettingRules.requireBetween(circuitOpenDuration, Duration.ofMillis(100),
          Duration.ofHours(1), "circuitOpenDuration");
      require(retryAttempts >= 1 && retryAttempts <= 10, "retryAttempts", "between 1 and 10",
          retryAttempts);
      int processes = maxProcesses == null ? SettingRules.DEFAULT_MAX_PROCESSES : maxProcesses;
      require(processes >= 1 && processes <= SettingRules.MAX_PROCESSES_CEILING, "maxProcesses",
          "between 1 and " + SettingRules.MAX_PROCESSES_CEILING, processes);
      CgroupMode mode = cgroupMode != null ? cgroupMode : SettingRules.defaultCgroupMode();
      MemorySize minFree = SettingRules.requireBelowBudget(minFreeMemory);
      if (jvmWorkerClassPath != null) {
        require(kind instanceof JvmKind, "jvmWorkerClassPath", "set only for jvmWorker pools",
            jvmWorkerClassPath);
        require(!jvmWorkerClassPath.isEmpty(), "jvmWorkerClassPath", "at least one jar or "
            + "directory", jvmWorkerClassPath);
        for (int i = 0; i < jvmWorkerClassPath.size(); i++) {
          Path entry = jvmWorkerClassPath.get(i);
          require(Files.exists(entry), "jvmWorkerClassPath", "existing jars and directories",
              entry.toAbsolutePath() + " (entry " + i + ", which does not exist)");
        }
      }
      WorkerPoolSettings.Launch planned = plannedLaunch();
      if (requireLifeline) {
        Lifeline.get().requireRunning();
      }
      // Last, once nothing is left to refuse: a failed build leaves no directory behind.
      WorkerPoolSettings.Launch launch = withRuntime(planned, poolName);
      try {
        PoolSettings common = new PoolSettings(poolName, workers, queueCapacity,
            Optional.ofNullable(admissionWait), taskTimeout, memoryLimit, processes, mode,
            minFree, memoryPressurePolicy, memoryAccounting, sampleInterval, terminationGrace,
            Optional.ofNullable(listener), shutdownHook, Optional.ofNullable(callbackExecutor));
        WorkerPoolSettings.Liveness liveness = new WorkerPoolSettings.Liveness(startTimeout,
            heartbeatInterval, heartbeatTimeout, Optional.ofNullable(progressTimeout),
            healthCheckInterval, healthCheckTimeout, healthCheckFailures,
            Optional.ofNullable(healthCheck), cancelGrace);
        WorkerPoolSettings.Recycling recycling = new WorkerPoolSettings.Recycling(soft,
            maxTasksPerWorker, Optional.ofNullable(maxWorkerAge), recycleJitter, idleTimeout);
        WorkerPoolSettings.Restarts restarts = new WorkerPoolSettings.Restarts(
            restartBackoffInitial, restartBackoffMax, startFailureThreshold, circuitOpenDuration,
            retryAttempts);
        return new WorkerPool<>(new WorkerPoolSettings(common, launch, tasksInFlightPerWorker,
            minIdle, (int) maxFrameSize.toBytes(), liveness, recycling, restarts), input, output);
      } catch (RuntimeException | Error e) {
        if (launch.runtimeDirectory() != null) {
          TempDirectories.delete(launch.runtimeDirectory());
        }
        throw e;
      }
    }

    private static void requireAtMostLongest(Duration value, String setting) {
      if (value != null) {
        SettingRules.requireAtMostLongest(value, setting);
      }
    }

    /**
     * How a worker will be started, checked as the start itself will check it (the program
     * can be started in its directory); nothing is written yet.
     */
    private WorkerPoolSettings.Launch plannedLaunch() {
      if (kind instanceof JvmKind jvm) {
        return startable("jvmWorker", new WorkerPoolSettings.Launch(
            JvmWorkerCommand.arguments(jvm.handler(), memoryLimit, jvmOptions,
                jvmWorkerClassPath),
            JvmWorkerCommand.ENVIRONMENT, null,
            jvm.handler().getSimpleName(), null));
      }
      if (kind instanceof CommandKind c) {
        Command command = c.command();
        require(command.timeout().isEmpty(), "command", "without a timeout (set taskTimeout "
            + "on the pool)", command.timeout().map(SettingRules::shown).orElse(""));
        require(command.memoryLimit().isEmpty(), "command", "without a memory limit (set "
            + "memoryLimit on the pool)", command.memoryLimit().map(Object::toString).orElse(""));
        return startable("command", new WorkerPoolSettings.Launch(command.arguments(),
            command.environment(), command.directory().orElse(null), command.label(), null));
      }
      boolean python = kind instanceof PythonKind;
      Path script = python ? ((PythonKind) kind).script() : ((NodeKind) kind).script();
      String setting = python ? "pythonWorker" : "nodeWorker";
      require(Files.isRegularFile(script), setting, "an existing file", script.toAbsolutePath());
      List<String> argv = new ArrayList<>();
      argv.add(python ? "python3" : "node");
      argv.add(script.toAbsolutePath().toString());
      return startable(setting, new WorkerPoolSettings.Launch(argv, Map.of(), null,
          script.getFileName().toString(), null));
    }

    /**
     * {@code launch}, once its program is shown startable in its directory: a program that
     * does not exist is better refused here than on every start.
     */
    private static WorkerPoolSettings.Launch startable(String setting,
        WorkerPoolSettings.Launch launch) {
      String path = launch.environment().getOrDefault("PATH", System.getenv("PATH"));
      try {
        ProgramCheck.verify(launch.arguments().get(0), path, launch.directory());
      } catch (ProgramStartException e) {
        throw new IllegalArgumentException(setting + " must start a program the kernel can run"
            + ", but " + e.getMessage(), e);
      }
      return launch;
    }

    /**
     * {@code planned}, with the worker runtime written to a directory of the pool's own (for
     * Python and Node workers) and put on the interpreter's module path.
     */
    private WorkerPoolSettings.Launch withRuntime(WorkerPoolSettings.Launch planned,
        String poolName) {
      if (!(kind instanceof PythonKind) && !(kind instanceof NodeKind)) {
        return planned;
      }
      boolean python = kind instanceof PythonKind;
      // A directory of this pool's own (two pools of one name must not share or delete it),
      // named as the worker trees' are, so the start-up sweep removes it after a killed run.
      Path runtimes = TempDirectories.create(poolName, TempDirectories.RUNTIME);
      try {
        if (python) {
          WorkerRuntimes.writePython(runtimes);
        } else {
          WorkerRuntimes.writeNode(runtimes);
        }
      } catch (IOException | RuntimeException e) {
        TempDirectories.delete(runtimes);
        throw e instanceof IOException io
            ? new UncheckedIOException("cannot write the worker runtime for pool '" + poolName
                + "'", io)
            : (RuntimeException) e;
      }
      String variable = python ? "PYTHONPATH" : "NODE_PATH";
      String existing = System.getenv(variable);
      Map<String, String> env = new HashMap<>(planned.environment());
      env.put(variable, existing == null || existing.isEmpty()
          ? runtimes.toString() : runtimes + ":" + existing);
      return new WorkerPoolSettings.Launch(planned.arguments(), env, planned.directory(),
          planned.label(), runtimes);
    }

    private static void require(boolean ok, String setting, String constraint, Object value) {
      SettingRules.require(ok, setting, constraint, value);
    }
  }
}
