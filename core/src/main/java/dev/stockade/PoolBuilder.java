package dev.stockade;

import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.engine.TextSettings;
import dev.stockade.internal.lifeline.Lifeline;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings both pools share, declared, checked and documented once: how many trees, how many
 * tasks wait, the limits every tree is held to, how memory is watched, and who hears of it. {@link
 * CommandPoolBuilder} and {@link WorkerPoolBuilder} add their own.
 *
 * <p>Each setting may be set once; a second call throws {@link IllegalStateException} naming it and
 * the value it holds. Every value is checked at {@code build()}, which throws {@link
 * IllegalArgumentException} with a message of the form {@code "<setting> must be <constraint>, but
 * was <value>"}. No duration may exceed 365 days. Every check comes before the pool starts
 * anything: a {@code build()} that throws leaves no thread, shutdown hook or directory behind. A
 * builder is not thread-safe; build one pool from one thread.
 *
 * @param <B> the concrete builder, which every setter returns
 */
public abstract sealed class PoolBuilder<B extends PoolBuilder<B>>
    permits CommandPoolBuilder, WorkerProgramBuilder {
  private static final Logger log = LoggerFactory.getLogger(PoolBuilder.class);
  private static final long PAGE = PoolSettings.MIN_MEMORY_LIMIT_BYTES;

  /** Records which settings were set, for both the shared and the pool's own. */
  final SettingRules rules = new SettingRules();

  private final String defaultNamePrefix;
  private String name;
  private int workers = Runtime.getRuntime().availableProcessors();
  private int queueCapacity = 1000;
  private Duration admissionWait;
  private Duration taskTimeout = Duration.ofMinutes(10);
  private MemorySize memoryLimit = MemorySize.ofGibibytes(1);
  private MemoryAccounting memoryAccounting = MemoryAccounting.RSS_SCREENED_PSS;
  private int maxProcesses = SettingRules.DEFAULT_MAX_PROCESSES;
  // Null until set: the default comes from a system property, read (and checked) at build().
  private CgroupMode cgroupMode;
  private MemorySize minFreeMemory = MemorySize.ZERO;
  private MemoryPressurePolicy memoryPressurePolicy = MemoryPressurePolicy.QUEUE;
  private Duration sampleInterval = Duration.ofMillis(250);
  private Duration terminationGrace = Duration.ofSeconds(5);
  private PoolListener listener;
  private boolean shutdownHook = true;
  private boolean requireLifeline;
  private Executor callbackExecutor;

  PoolBuilder(String defaultNamePrefix) {
    this.defaultNamePrefix = defaultNamePrefix;
  }

  @SuppressWarnings("unchecked") // sealed: every subclass is a PoolBuilder of itself
  private B self() {
    return (B) this;
  }

  /**
   * Applies settings given as text — a {@code Properties} file, environment variables, a
   * framework's configuration — each through this builder's setter of the same name ({@code
   * memoryLimit}, or {@code memory-limit}), so it is checked at {@code build()} exactly as in code.
   * Values as configuration writes them: {@code 512MiB} or {@code 2g} for sizes (binary), {@code
   * 30s}, {@code 500ms} or {@code PT30S} for durations, enum constants in any case, lists and the
   * two pauses of {@code restartBackoff} separated by commas, a handler class by its name. What
   * text cannot hold (a listener, an executor, a health check, a {@code Command} or {@code
   * ScriptWorker}) is set in code.
   *
   * <pre>{@code
   * Properties file = new Properties();
   * file.load(reader); // workers=4, memoryLimit=512MiB, taskTimeout=30s, jvmWorker=com.example.Render
   * WorkerPool<String, String> pool =
   *     WorkerPool.builder(Codec.utf8(), Codec.utf8()).settings(file).build();
   * }</pre>
   *
   * @param settings the settings by name, applied in the map's order
   * @return this builder
   * @throws IllegalArgumentException naming the first setting that does not exist or whose value is
   *     not of its type (the value, and what is allowed), before any setting is applied
   * @throws IllegalStateException if a setting was already set
   */
  public B settings(Map<String, String> settings) {
    TextSettings.apply(this, new LinkedHashMap<>(settings));
    return self();
  }

  /**
   * {@link #settings(Map)} from {@code Properties}, in the order of their names.
   *
   * @param settings the settings by name
   * @return this builder
   * @throws IllegalArgumentException naming the first setting that does not exist or whose value is
   *     not of its type, before any setting is applied
   * @throws IllegalStateException if a setting was already set
   */
  public B settings(Properties settings) {
    Map<String, String> byName = new TreeMap<>();
    for (String name : settings.stringPropertyNames()) {
      byName.put(name, settings.getProperty(name));
    }
    return settings(byName);
  }

  /**
   * Names the pool in logs, thread names, temporary directories and messages. 1 to 40 letters,
   * digits, '.', '_' and '-', starting with a letter or digit. Default: {@code commands-N} or
   * {@code workers-N}.
   *
   * @param name the pool's name; null for the default
   * @return this builder
   * @throws IllegalStateException if the name was already set
   */
  public B name(String name) {
    rules.once("name", this.name);
    this.name = name;
    return self();
  }

  /**
   * Most trees (a command's, or a worker's) alive at once; a tree counts until it is verified gone.
   * 1 to 4096. Default: the number of processors. More than 4 per processor is logged as a warning
   * at build.
   *
   * @param workers the most trees alive at once, 1 to 4096
   * @return this builder
   * @throws IllegalStateException if {@code workers} was already set
   */
  public B workers(int workers) {
    rules.once("workers", this.workers);
    this.workers = workers;
    return self();
  }

  /**
   * Most tasks waiting for a tree. Zero means no waiting. Default: 1000.
   *
   * @param queueCapacity the most tasks waiting, 0 or more
   * @return this builder
   * @throws IllegalStateException if {@code queueCapacity} was already set
   */
  public B queueCapacity(int queueCapacity) {
    rules.once("queueCapacity", this.queueCapacity);
    this.queueCapacity = queueCapacity;
    return self();
  }

  /**
   * Makes a submission ({@code run} or {@code submit}) block, up to {@code maxWait} (positive, at
   * most 365 days), for room when every tree is busy and the queue is full, instead of refusing at
   * once with {@link PoolSaturatedException}. Default: refuse at once.
   *
   * @param maxWait the longest a submission waits for room
   * @return this builder
   * @throws IllegalStateException if {@code blockWhenSaturated} was already set
   */
  public B blockWhenSaturated(Duration maxWait) {
    rules.once("blockWhenSaturated", this.admissionWait);
    this.admissionWait = Objects.requireNonNull(maxWait, "maxWait");
    return self();
  }

  /**
   * Longest a task may run, from its start (a command's tree started, or a worker took the task); a
   * command or a task's options may override it. At least the sample interval, at most 365 days.
   * Default: 10 minutes.
   *
   * @param taskTimeout the longest a task may run
   * @return this builder
   * @throws IllegalStateException if {@code taskTimeout} was already set
   */
  public B taskTimeout(Duration taskTimeout) {
    rules.once("taskTimeout", this.taskTimeout);
    this.taskTimeout = Objects.requireNonNull(taskTimeout, "taskTimeout");
    return self();
  }

  /**
   * Hard limit on a tree's whole memory: a tree that crosses it is ended at once with {@link
   * MemoryLimitExceededException}. A command may override it. At least one page; below 16 MiB is
   * logged as a warning at build. Default: 1 GiB.
   *
   * @param memoryLimit the most memory a whole tree may use, at least one page
   * @return this builder
   * @throws IllegalStateException if {@code memoryLimit} was already set
   */
  public B memoryLimit(MemorySize memoryLimit) {
    rules.once("memoryLimit", this.memoryLimit);
    this.memoryLimit = Objects.requireNonNull(memoryLimit, "memoryLimit");
    return self();
  }

  /**
   * Most live processes one tree may hold; a tree past it (a fork loop) is ended at once with
   * {@link ProcessLimitExceededException}. Checked every sample without cgroups, so a fast fork
   * loop may overshoot by what it starts in one {@code sampleInterval}. From 1 to 4194304 (the
   * kernel's highest {@code pid_max}). Default: 1024.
   *
   * @param maxProcesses the most live processes in one tree
   * @return this builder
   * @throws IllegalStateException if {@code maxProcesses} was already set
   */
  public B maxProcesses(int maxProcesses) {
    rules.once("maxProcesses", this.maxProcesses);
    this.maxProcesses = maxProcesses;
    return self();
  }

  /**
   * Whether each tree gets a cgroup of its own, and which version: {@link CgroupMode#AUTO} (the
   * default) takes the strongest the machine offers, {@code V2} or {@code V1} insist on one ({@code
   * build()} fails, saying why, where it is not usable), {@code NONE} never uses cgroups. The
   * default can also be set with the system property {@code stockade.cgroupMode}.
   *
   * @param cgroupMode whether and which cgroups contain the trees
   * @return this builder
   * @throws IllegalStateException if {@code cgroupMode} was already set
   */
  public B cgroupMode(CgroupMode cgroupMode) {
    rules.once("cgroupMode", this.cgroupMode);
    this.cgroupMode = Objects.requireNonNull(cgroupMode, "cgroupMode");
    return self();
  }

  /**
   * Admission by memory: while the memory available to this JVM's container (its cgroup's limit
   * less its usage, or the host's available memory; see {@link MemoryBudget}) is below this, the
   * pool starts no new tree and applies its {@link #memoryPressurePolicy memoryPressurePolicy}.
   * Must be below the memory the JVM may use. Default: off.
   *
   * @param minFreeMemory the memory that must be available before a new tree is started
   * @return this builder
   * @throws IllegalStateException if {@code minFreeMemory} was already set
   */
  public B minFreeMemory(MemorySize minFreeMemory) {
    rules.once("minFreeMemory", this.minFreeMemory);
    this.minFreeMemory = Objects.requireNonNull(minFreeMemory, "minFreeMemory");
    return self();
  }

  /**
   * What to do with work that needs a new tree under memory pressure. Default: QUEUE.
   *
   * @param memoryPressurePolicy queue the work, or shed it
   * @return this builder
   * @throws IllegalStateException if {@code memoryPressurePolicy} was already set
   */
  public B memoryPressurePolicy(MemoryPressurePolicy memoryPressurePolicy) {
    rules.once("memoryPressurePolicy", this.memoryPressurePolicy);
    this.memoryPressurePolicy =
        Objects.requireNonNull(memoryPressurePolicy, "memoryPressurePolicy");
    return self();
  }

  /**
   * How tree memory is measured. Default: {@link MemoryAccounting#RSS_SCREENED_PSS}.
   *
   * @param memoryAccounting the measurement of a tree's memory
   * @return this builder
   * @throws IllegalStateException if {@code memoryAccounting} was already set
   */
  public B memoryAccounting(MemoryAccounting memoryAccounting) {
    rules.once("memoryAccounting", this.memoryAccounting);
    this.memoryAccounting = Objects.requireNonNull(memoryAccounting, "memoryAccounting");
    return self();
  }

  /**
   * How often the housekeeper samples every tree and checks limits and deadlines; also the
   * resolution of every limit, deadline and timeout. From 10 ms to 1 minute. Default: 250 ms.
   *
   * @param sampleInterval the time between two samples of every tree
   * @return this builder
   * @throws IllegalStateException if {@code sampleInterval} was already set
   */
  public B sampleInterval(Duration sampleInterval) {
    rules.once("sampleInterval", this.sampleInterval);
    this.sampleInterval = Objects.requireNonNull(sampleInterval, "sampleInterval");
    return self();
  }

  /**
   * How long a tree may take to exit after SIGTERM before SIGKILL, when it is ended for a timeout,
   * a cancel or a close, when a command left processes behind, or when a worker retires. A memory
   * breach skips it. Zero sends SIGKILL at once. At most 5 minutes. Default: 5 seconds.
   *
   * @param terminationGrace the time between SIGTERM and SIGKILL
   * @return this builder
   * @throws IllegalStateException if {@code terminationGrace} was already set
   */
  public B terminationGrace(Duration terminationGrace) {
    rules.once("terminationGrace", this.terminationGrace);
    this.terminationGrace = Objects.requireNonNull(terminationGrace, "terminationGrace");
    return self();
  }

  /**
   * Receives lifecycle events; see {@link PoolListener} for the rules it must follow.
   *
   * @param listener the listener
   * @return this builder
   * @throws IllegalStateException if a listener was already set
   */
  public B listener(PoolListener listener) {
    rules.once("listener", this.listener);
    this.listener = Objects.requireNonNull(listener, "listener");
    return self();
  }

  /**
   * Whether a JVM shutdown hook closes the pool, draining running tasks for up to 5 s first ({@link
   * ProcessPool#close(Duration)}; a courtesy for orderly exits, it does not run on SIGKILL). Turn
   * it off when a framework closes the pool. Default: true.
   *
   * @param shutdownHook whether to register the hook
   * @return this builder
   * @throws IllegalStateException if {@code shutdownHook} was already set
   */
  public B shutdownHook(boolean shutdownHook) {
    rules.once("shutdownHook", this.shutdownHook);
    this.shutdownHook = shutdownHook;
    return self();
  }

  /**
   * Whether the pool must not run without the lifeline, the watchdog process that ends every tree
   * of this JVM if the JVM is killed (see {@link PoolSnapshot#lifeline()}). When true, {@code
   * build()} starts the watchdog at once and fails if it cannot be started or does not say it is
   * ready within 20 s. Default: false — a lifeline that cannot start is logged at ERROR with the
   * watchdog's own words and shown in {@link ProcessPool#snapshot()}, and the pool runs on, its own
   * teardown intact.
   *
   * @param requireLifeline whether the pool requires the lifeline
   * @return this builder
   * @throws IllegalStateException if {@code requireLifeline} was already set
   */
  public B requireLifeline(boolean requireLifeline) {
    rules.once("requireLifeline", this.requireLifeline);
    this.requireLifeline = requireLifeline;
    return self();
  }

  /**
   * Where the caller's code runs: the dependent stages of the futures the pool returns ({@code
   * thenApply}, {@code whenComplete}, and the {@code …Async} stages given no executor) when no
   * caller is waiting in {@code get}/{@code join} to run them, the {@link PoolListener}'s events
   * and, in a {@link WorkerPool}, the {@link HealthCheck}. Never the pool's own threads, which read
   * processes, watch heartbeats and keep time. Default: a pool-owned executor of up to {@code
   * max(2, workers)} daemon threads that end after 30 s idle; the pool shuts it down when it
   * closes. An executor given here is used as is and never shut down by the pool; if it refuses
   * work, the work runs on a thread of its own.
   *
   * @param callbackExecutor the executor for the caller's code
   * @return this builder
   * @throws IllegalStateException if a callback executor was already set
   */
  public B callbackExecutor(Executor callbackExecutor) {
    rules.once("callbackExecutor", this.callbackExecutor);
    this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
    return self();
  }

  /**
   * Checks every shared setting and resolves the defaults that depend on the environment.
   *
   * @param poolNumbers numbers the pools of this kind, for a name by default
   * @throws IllegalArgumentException naming the first setting out of range
   */
  final PoolSettings commonSettings(IntSupplier poolNumbers) {
    String poolName = name != null ? name : defaultNamePrefix + poolNumbers.getAsInt();
    require(
        SettingRules.POOL_NAME.matcher(poolName).matches(),
        "name",
        SettingRules.POOL_NAME_RULE,
        poolName);
    // First among the durations, so that no rule below computes with one its arithmetic
    // cannot hold.
    if (admissionWait != null) {
      SettingRules.requireAtMostLongest(admissionWait, "blockWhenSaturated");
    }
    SettingRules.requireAtMostLongest(taskTimeout, "taskTimeout");
    require(workers >= 1 && workers <= 4096, "workers", "between 1 and 4096", workers);
    require(queueCapacity >= 0, "queueCapacity", ">= 0", queueCapacity);
    if (admissionWait != null) {
      require(
          !admissionWait.isNegative() && !admissionWait.isZero(),
          "blockWhenSaturated",
          "a positive duration",
          admissionWait);
    }
    SettingRules.requireBetween(
        sampleInterval, Duration.ofMillis(10), Duration.ofMinutes(1), "sampleInterval");
    requireAtLeastSampleInterval(taskTimeout, "taskTimeout");
    require(
        memoryLimit.toBytes() >= PAGE,
        "memoryLimit",
        ">= one page (" + PAGE + " bytes)",
        memoryLimit);
    SettingRules.requireBetween(
        terminationGrace, Duration.ZERO, Duration.ofMinutes(5), "terminationGrace");
    require(
        maxProcesses >= 1 && maxProcesses <= SettingRules.MAX_PROCESSES_CEILING,
        "maxProcesses",
        "between 1 and " + SettingRules.MAX_PROCESSES_CEILING,
        maxProcesses);
    CgroupMode mode = cgroupMode != null ? cgroupMode : SettingRules.defaultCgroupMode();
    MemorySize minFree = SettingRules.requireBelowBudget(minFreeMemory);
    return new PoolSettings(
        poolName,
        workers,
        queueCapacity,
        Optional.ofNullable(admissionWait),
        taskTimeout,
        memoryLimit,
        maxProcesses,
        mode,
        minFree,
        memoryPressurePolicy,
        memoryAccounting,
        sampleInterval,
        terminationGrace,
        Optional.ofNullable(listener),
        shutdownHook,
        Optional.ofNullable(callbackExecutor));
  }

  /**
   * The last step before a pool starts anything, once every setting passed: warns of sizes that are
   * allowed but likely mistaken, and starts the lifeline if the pool requires it.
   *
   * @throws IllegalStateException if the lifeline is required and cannot be started
   */
  final void beforeStart(PoolSettings settings) {
    int processors = Runtime.getRuntime().availableProcessors();
    if (settings.workers() > 4 * processors) {
      log.warn(
          "[{}] workers={} is more than 4 trees per processor ({} processors)",
          settings.name(),
          settings.workers(),
          processors);
    }
    if (settings.memoryLimit().compareTo(MemorySize.ofMebibytes(16)) < 0) {
      log.warn(
          "[{}] memoryLimit={} is below 16 MiB: most programs need more to start",
          settings.name(),
          settings.memoryLimit());
    }
    if (requireLifeline) {
      Lifeline.get().requireRunning();
    }
  }

  /** Requires a deadline the housekeeper can resolve: at least one sample interval. */
  final void requireAtLeastSampleInterval(Duration value, String setting) {
    require(
        value.compareTo(sampleInterval) >= 0,
        setting,
        ">= sampleInterval (" + sampleInterval.toMillis() + " ms)",
        value);
  }

  static void require(boolean ok, String setting, String constraint, Object value) {
    SettingRules.require(ok, setting, constraint, value);
  }
}
