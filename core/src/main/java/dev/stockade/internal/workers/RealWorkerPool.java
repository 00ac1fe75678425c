package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.HeartbeatTimeoutException;
import dev.stockade.InsufficientMemoryException;
import dev.stockade.LifelineStatus;
import dev.stockade.MemoryBudget;
import dev.stockade.MemoryLimitExceededException;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.PoolClosedException;
import dev.stockade.PoolSaturatedException;
import dev.stockade.PoolSnapshot;
import dev.stockade.PoolUnhealthyException;
import dev.stockade.ProgressTimeoutException;
import dev.stockade.SupervisionFailedException;
import dev.stockade.TaskEvent;
import dev.stockade.TaskFailedException;
import dev.stockade.TaskOptions;
import dev.stockade.TaskTimeoutException;
import dev.stockade.WorkerCrashedException;
import dev.stockade.WorkerDetails;
import dev.stockade.WorkerEvent;
import dev.stockade.WorkerProtocolException;
import dev.stockade.WorkerSnapshot;
import dev.stockade.WorkerState;
import dev.stockade.internal.cgroup.CgroupContainmentStrategy;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.internal.cgroup.OwnCgroupMemory;
import dev.stockade.internal.engine.CallbackExecutor;
import dev.stockade.internal.engine.Drain;
import dev.stockade.internal.engine.Events;
import dev.stockade.internal.engine.MemoryAdmission;
import dev.stockade.internal.engine.PoolThreads;
import dev.stockade.internal.engine.ProcessLimitFailure;
import dev.stockade.internal.engine.Spawner;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.engine.Tags;
import dev.stockade.internal.engine.TeardownGrace;
import dev.stockade.internal.engine.TempDirectories;
import dev.stockade.internal.lifeline.LeftoverSweep;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import dev.stockade.internal.os.ContainmentStrategy;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMeter;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameReader;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.protocol.ProtocolViolation;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code WorkerPool}: admission, dispatch of one task at a time to idle
 * workers, the protocol conversation with each worker, per-tick limits, liveness and recycling,
 * start policy, and the one path by which every worker ends — claim the end once (under the
 * pool's lock, so dispatch never races it), tear the tree down, then fail whatever task it was
 * running and start a replacement if one is wanted.
 */
public final class RealWorkerPool {
  private static final Logger log = LoggerFactory.getLogger(RealWorkerPool.class);
  private static final int STDERR_LINES_IN_MESSAGES = 10;
  /** How long close() waits for a listener to take the events of the pool's last moments. */
  private static final Duration EVENT_DELIVERY_BOUND = Duration.ofSeconds(5);

  private final WorkerPoolSettings settings;
  private final String poolId;
  private final TagIndex tags = new TagIndex();
  private final ContainmentStrategy containment;
  private final ProcessLauncher launcher;
  private final CallbackExecutor callbacks;
  private final Events events;
  private final SilenceJudge silenceJudge;
  private final PoolThreads threads;
  private final Spawner spawner;
  private final ExecutorService io;
  private final ScheduledExecutorService timer;
  private final MemoryAdmission admission;
  private final Drain drain;
  private final StartPolicy starts;
  private final Retry retry;
  private final Map<String, String> workerEnvironment;
  private final AtomicLong workerNumbers = new AtomicLong();
  private final AtomicLong taskIds = new AtomicLong();
  private final AtomicLong pingNonces = new AtomicLong();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Set<PooledWorker> workers = ConcurrentHashMap.newKeySet();
  private final ArrayDeque<WorkerTask> queue = new ArrayDeque<>();
  /** Idempotent tasks between a failed attempt and the next, waiting out the retry delay. */
  private final Set<WorkerTask> awaitingRetry = new java.util.HashSet<>();
  private int pendingStarts;
  private boolean closed;
  private volatile boolean closedWithoutWaiting;
  private final AtomicBoolean startRecheckScheduled = new AtomicBoolean();

  public RealWorkerPool(WorkerPoolSettings settings) {
    if (!ProcessTable.isAvailable()) {
      throw new UnsupportedOperationException(
          "WorkerPool needs /proc (Linux); this platform has none");
    }
    this.settings = settings;
    this.poolId = Tags.newPoolId(settings.name());
    CgroupSelection cgroups = CgroupProbe.select(settings.cgroupMode());
    // Before any tree of this pool starts: what a killed run of this name left is ended first,
    // so the new workers do not compete with it for memory.
    LeftoverSweep.sweep(settings.name(), cgroups.base());
    this.containment = CgroupContainmentStrategy.of(cgroups, poolId, tags);
    this.launcher = ProcessLauncher.detect();
    this.callbacks = settings.callbackExecutor()
        .map(e -> CallbackExecutor.of(settings.name(), e))
        .orElseGet(() -> CallbackExecutor.owned(settings.name(),
            CallbackExecutor.defaultThreads(settings.workers())));
    this.events = new Events(settings.name(), settings.listener().orElse(null), callbacks);
    this.silenceJudge = new SilenceJudge(settings.name(), settings.heartbeatTimeout(), events);
    this.starts = new StartPolicy(settings.name(), settings.restartBackoffInitial(),
        settings.restartBackoffMax(), settings.startFailureThreshold(),
        settings.circuitOpenDuration(), this::breakerMoved);
    this.retry = Retry.of("stockade-" + settings.name() + "-tasks", RetryConfig.custom()
        .maxAttempts(settings.retryAttempts())
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
            settings.restartBackoffInitial(), 2.0, 0.5, settings.restartBackoffMax()))
        .retryOnException(RealWorkerPool::isRetryable)
        .failAfterMaxAttempts(false)
        .writableStackTraceEnabled(false)
        .build());
    Map<String, String> env = new HashMap<>(settings.launch().environment());
    env.put("STOCKADE_PROTOCOL", String.valueOf(Payloads.PROTOCOL_VERSION));
    env.put("STOCKADE_HEARTBEAT_MS", String.valueOf(settings.heartbeatInterval().toMillis()));
    env.put("STOCKADE_MAX_FRAME_SIZE", String.valueOf(settings.maxFrameSize()));
    this.workerEnvironment = Map.copyOf(env);
    // Everything that can fail comes before the threads and the shutdown hook: a constructor
    // that throws after them would leave both behind.
    this.admission = new MemoryAdmission(settings.name(), OwnCgroupMemory.resolve(),
        settings.minFreeMemory(), settings.memoryPressurePolicy(), events);
    MemoryBudget budget = admission.budget();
    // Once intake stops, idle workers retire; busy ones retire as they go idle (dispatch).
    this.drain = new Drain(settings.name(), lock, this::close,
        () -> workers.forEach(this::dispatch));
    this.threads = new PoolThreads(settings.name(), settings.sampleInterval(), tags,
        this::lowestPidFloor, this::onTick,
        settings.shutdownHook() ? () -> close(Drain.SHUTDOWN_HOOK_DRAIN) : null, callbacks);
    this.spawner = threads.spawner();
    this.io = threads.io();
    this.timer = threads.timer();
    log.info("[{}] started: workers={}, minIdle={}, worker={}, containment={}, launcher={}, "
            + "memoryLimit={} (soft {}), heartbeat {}/{} ms, memory of this JVM: {} limit, {}"
            + " available ({})", settings.name(), settings.workers(),
        settings.minIdle(), settings.launch().label(), containment.name(), launcher.name(),
        settings.memoryLimit(), settings.softMemoryLimit(),
        settings.heartbeatInterval().toMillis(), settings.heartbeatTimeout().toMillis(),
        budget.limit(), budget.available(), budget.source());
    maybeStartWorkers();
  }

  private static boolean isRetryable(Throwable failure) {
    return failure instanceof WorkerCrashedException
        || failure instanceof HeartbeatTimeoutException
        || failure instanceof WorkerProtocolException
        || failure instanceof SupervisionFailedException;
  }

  public String name() {
    return settings.name();
  }

  /**
   * False while the breaker is not closed, and while the last start failed and no worker
   * serves: then nothing the pool holds can run.
   */
  public boolean isHealthy() {
    lock.lock();
    try {
      return starts.isClosed() && !(starts.lastStartFailed() && !anyServingLocked());
    } finally {
      lock.unlock();
    }
  }

  /** A worker that said HELLO and is not ending. */
  private boolean anyServingLocked() {
    for (PooledWorker w : workers) {
      WorkerState state = w.tree.lifecycle().state();
      if (w.helloSeen && state != WorkerState.STOPPING && state != WorkerState.DEAD) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- admission

  public CompletableFuture<Object> submit(byte[] payload, TaskOptions options,
      WorkerTask.Decoder decoder) {
    if (payload.length > settings.maxFrameSize()) {
      throw new IllegalArgumentException("task '" + options.label() + "' payload must be <= "
          + "maxFrameSize (" + settings.maxFrameSize() + " bytes), but was " + payload.length
          + " bytes");
    }
    Duration timeout = options.timeout().orElse(settings.taskTimeout());
    if (timeout.compareTo(settings.sampleInterval()) < 0) {
      throw new IllegalArgumentException("timeout of task '" + options.label()
          + "' must be >= the pool's sampleInterval (" + settings.sampleInterval().toMillis()
          + " ms), but was " + timeout.toMillis() + " ms");
    }
    WorkerTask task = new WorkerTask(payload, options, timeout, decoder,
        options.isIdempotent() ? retry.asyncContext() : null, this, callbacks);
    lock.lock();
    try {
      long waitNanos = settings.admissionWait().map(Duration::toNanos).orElse(0L);
      while (true) {
        if (drain.isShutdown()) {
          return refuse(task, drain.refusedAfterShutdown(task.label()));
        }
        if (closed) {
          return refuse(task, new PoolClosedException("pool '" + settings.name()
              + "' is closed; task '" + task.label() + "' was not started"));
        }
        if (!starts.isClosed()) {
          return refuse(task, unhealthy("task '" + task.label() + "' refused"));
        }
        // Room: a worker that is not busy (idle, starting, or not started yet) takes a task
        // from the queue soon, so only tasks beyond those wait in the queue proper.
        if (queue.size() < settings.queueCapacity() + freeSlotsLocked()) {
          queue.add(task);
          drain.accepted(task);
          break;
        }
        if (waitNanos <= 0) {
          String waited = settings.admissionWait()
              .map(d -> " after waiting " + d.toMillis() + " ms").orElse("");
          return refuse(task, new PoolSaturatedException("task '" + task.label()
              + "' refused" + waited + ": every worker is busy and the queue is full ("
              + countsLocked() + "); raise workers or queueCapacity, or submit more slowly"));
        }
        try {
          waitNanos = changed.awaitNanos(waitNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return refuse(task, new PoolSaturatedException("task '" + task.label()
              + "' refused: interrupted while waiting for room (" + countsLocked() + ")"));
        }
      }
    } finally {
      lock.unlock();
    }
    pumpQueue();
    maybeStartWorkers();
    return task.future;
  }

  private PoolUnhealthyException unhealthy(String what) {
    return new PoolUnhealthyException(what + ": pool '" + settings.name() + "' is unhealthy — "
        + "its circuit breaker is " + starts.state() + " after " + settings.startFailureThreshold()
        + " failed worker starts in a row (last: " + starts.lastFailureText() + "); it probes "
        + "again every " + settings.circuitOpenDuration().toMillis() + " ms",
        starts.lastFailure() == null ? null : starts.lastFailure().exception(""));
  }

  private CompletableFuture<Object> refuse(WorkerTask task, RuntimeException why) {
    failed(task, null, Duration.ZERO, why);
    return task.future;
  }

  /**
   * The caller cancelled the task's future. A queued task (or one waiting to be retried) is
   * dropped and its end reported now; a running one's end is reported when its work has
   * stopped — its answer read, or its worker ended — so the listener's end means nothing of it
   * still runs.
   */
  void cancelled(WorkerTask task, boolean mayInterruptIfRunning) {
    boolean dropped;
    boolean waiting = false;
    Attempt running = null;
    PooledWorker worker;
    lock.lock();
    try {
      dropped = queue.remove(task) | awaitingRetry.remove(task);
      worker = task.worker;
      if (!dropped && worker != null) {
        for (Attempt a : worker.inFlight) {
          if (a.task == task) {
            running = a;
          }
        }
        waiting = running != null && running != worker.current();
        if (waiting && mayInterruptIfRunning) {
          running.cancelRequested = true; // its grace starts when it becomes the running one
        } else if (running != null && mayInterruptIfRunning) {
          // Before the CANCEL goes out: a runtime answers it at once, and its answer must find
          // the task marked cancelled, or the worker (its handler maybe still running) is
          // taken as free with no PING to confirm it.
          running.cancelDeadlineNanos = System.nanoTime() + settings.cancelGrace().toNanos();
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (dropped) {
      ended(task, null, Duration.ZERO);
      return;
    }
    if (running == null || !mayInterruptIfRunning) {
      return; // cancel(false) lets it finish; its answer reports its end
    }
    // Its TASK goes out first (another thread may have taken it off the unsent list and be
    // about to write it): a CANCEL that overtook it would name a task the worker has not seen
    // yet, and be ignored.
    sendAssigned(worker);
    if (waiting) {
      // Sent but not started: the worker answers it as cancelled when its turn comes.
      worker.send(Frame.of(FrameType.CANCEL, running.id));
    } else if (settings.cancelGrace().isZero()
        || !worker.send(Frame.of(FrameType.CANCEL, running.id))) {
      end(worker, EndReason.CANCELLED);
    }
  }

  // ---------------------------------------------------------------- starting workers

  /** Starts as many workers as queued work, busy workers and {@code minIdle} call for. */
  private void maybeStartWorkers() {
    int toStart = 0;
    boolean blocked = false;
    Optional<MemoryBudget> pressure = admission.pressure();
    List<WorkerTask> shed = new ArrayList<>();
    PooledWorker retired = null;
    lock.lock();
    try {
      if (closed || threads.isStopped()) {
        return;
      }
      int nonStopping = 0;
      int busy = 0;
      int starting = pendingStarts;
      for (PooledWorker w : workers) {
        WorkerState state = w.tree.lifecycle().state();
        if (state == WorkerState.STOPPING || state == WorkerState.DEAD) {
          continue;
        }
        nonStopping++;
        if (!w.inFlight.isEmpty()) {
          busy++;
        }
        if (!w.helloSeen) {
          starting++;
        }
      }
      int wanted = Math.max(drain.isShutdown() ? 0 : settings.minIdle(), busy + queue.size());
      if ((!starts.isClosed() || starts.lastStartFailed()) && starting == 0) {
        // The breaker's probe, or after a failed start: the pool keeps one start going (after
        // the backoff) until a worker says HELLO, so health comes back without waiting for work.
        wanted = Math.max(wanted, nonStopping + 1);
      }
      int room = settings.workers() - workers.size() - pendingStarts;
      int want = Math.min(room, wanted - nonStopping - pendingStarts);
      if (starts.isRecovering()) {
        want = Math.min(want, starting == 0 ? 1 : 0); // after a failure, one start at a time
      }
      if (pressure.isPresent()) {
        // Memory is short: nothing starts; the policy decides for the work that waits.
        if (admission.policy() == MemoryPressurePolicy.SHED && want > 0) {
          shed.addAll(queue);
          queue.clear();
          changed.signalAll();
        } else if (admission.policy() == MemoryPressurePolicy.RECYCLE_LARGEST_IDLE) {
          retired = largestIdleLocked();
          if (retired != null) {
            retired.retireReason = EndReason.RECYCLED;
            retired.retireBecause = "memory pressure: " + pressure.get().available()
                + " available, below minFreeMemory " + settings.minFreeMemory();
          }
        }
        blocked = want > 0 || retired != null;
        want = 0;
      }
      long now = System.nanoTime();
      while (toStart < want && starts.tryStart(now)) {
        toStart++;
      }
      pendingStarts += toStart;
      if (pressure.isEmpty()) {
        blocked = toStart < want;
      }
    } finally {
      lock.unlock();
    }
    if (retired != null) {
      admission.report(pressure.get(), true, "retired idle worker " + retired.id() + " ("
          + retired.tree.snapshot().memoryNow() + ")");
      dispatch(retired); // an idle worker with a retire reason retires there
    }
    for (WorkerTask task : shed) {
      InsufficientMemoryException failure = new InsufficientMemoryException(
          admission.shedMessage(task.label(), pressure.get()), pressure.get());
      failed(task, null, Duration.ZERO, failure);
    }
    if (!shed.isEmpty()) {
      admission.report(pressure.get(), true, "shed " + shed.size() + " queued tasks");
    }
    for (int i = 0; i < toStart; i++) {
      spawner.execute(this::startWorker);
    }
    if (blocked && startRecheckScheduled.compareAndSet(false, true)) {
      // Backoff or an open breaker held a start back. With no worker alive there is no
      // housekeeper tick to try again, so the timer does.
      try {
        timer.schedule(() -> {
          startRecheckScheduled.set(false);
          maybeStartWorkers();
        }, settings.sampleInterval().toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closing) {
        // the pool is closing: nothing more will start
      }
    }
  }

  /** The idle worker whose tree holds the most memory, or null if none is idle. */
  private PooledWorker largestIdleLocked() {
    PooledWorker largest = null;
    long largestBytes = -1;
    for (PooledWorker w : workers) {
      if (isAvailableLocked(w) && w.inFlight.isEmpty()) {
        long bytes = w.tree.snapshot().memoryNow().toBytes();
        if (bytes > largestBytes) {
          largest = w;
          largestBytes = bytes;
        }
      }
    }
    return largest;
  }

  /** Runs on the spawner thread; a start slot and a breaker permission are already taken. */
  private void startWorker() {
    if (isClosed()) {
      lock.lock();
      try {
        pendingStarts--;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      starts.unused();
      stopThreadsIfDone();
      return;
    }
    String workerId = "w" + workerNumbers.incrementAndGet();
    WorkerPoolSettings.Launch launch = settings.launch();
    SupervisedTree tree;
    long began = System.nanoTime();
    try {
      tree = SupervisedTree.start(settings.name(), poolId, workerId, launch.label(),
          containment.create(Tags.workerTag(poolId, workerId), new TreeLimits(
              settings.memoryLimit().toBytes(), settings.softMemoryLimit().toBytes(),
              settings.maxProcesses())), launcher,
          settings.memoryAccounting(), new SupervisedTree.Spec(launch.arguments(),
              workerEnvironment, launch.directory(), true, true), io);
    } catch (IOException | RuntimeException e) {
      StartFailure failure = new StartFailure("worker " + workerId + " of pool '"
          + settings.name() + "' could not start: " + e.getMessage(), e, "");
      log.warn("[{}] {}", settings.name(), failure.reason());
      lock.lock();
      try {
        pendingStarts--;
        starts.startFailed(System.nanoTime() - began, failure, System.nanoTime());
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      afterFailedStart();
      return;
    }
    PooledWorker worker = new PooledWorker(tree, new dev.stockade.internal.protocol.FrameWriter(
        tree.process().stdin()), StderrLines.forward(tree.process().stderr(), settings.name(),
        workerId, io), jittered(settings.maxTasksPerWorker()),
        settings.maxWorkerAge().map(age -> jittered(age.toNanos())).orElse(Long.MAX_VALUE));
    worker.stderr.onFailure(e -> end(worker, EndReason.SUPERVISION_FAILED));
    lock.lock();
    try {
      workers.add(worker);
      pendingStarts--;
    } finally {
      lock.unlock();
    }
    events.fire(l -> l.workerStarted(new WorkerEvent(settings.name(), workerId, launch.label(),
        tree.process().pid(), tree.tempDirectory(), Optional.empty(), Optional.empty())));
    io.execute(() -> readReplies(worker));
    tree.process().exit().thenRun(() -> end(worker, EndReason.EXITED));
    if (isClosed()) {
      end(worker, EndReason.POOL_CLOSED);
    }
  }

  /** {@code limit} lowered by a random share of up to {@code recycleJitter}; 0 means none. */
  private long jittered(long limit) {
    if (limit <= 0) {
      return Long.MAX_VALUE;
    }
    double cut = ThreadLocalRandom.current().nextDouble() * settings.recycleJitter();
    return Math.max(1, Math.round(limit * (1 - cut)));
  }

  private void breakerMoved(CircuitBreaker.StateTransition transition) {
    CircuitBreaker.State to = transition.getToState();
    if (to == CircuitBreaker.State.OPEN) {
      log.error("[{}] worker starts keep failing ({}); circuit breaker open: no worker starts "
          + "and submissions fail for {} ms, then one probe start", settings.name(),
          starts.lastFailureText(), settings.circuitOpenDuration().toMillis());
      // Called inside the breaker, under the pool's lock: futures are failed elsewhere.
      io.execute(this::failQueuedIfNoWorkerCanServe);
    } else if (to == CircuitBreaker.State.CLOSED) {
      log.info("[{}] a worker started again; circuit breaker closed", settings.name());
    } else {
      log.info("[{}] circuit breaker {}", settings.name(), to);
    }
  }

  /**
   * After a start failed: with no worker serving, the queued tasks would wait for a start that
   * may never succeed, so they fail now with the start's failure (or, once the breaker is open,
   * as unhealthy); then the next start is planned, after the backoff.
   */
  private void afterFailedStart() {
    failQueuedIfNoWorkerCanServe();
    maybeStartWorkers(); // with no worker alive there is no tick: this schedules the retry
  }

  /** With no worker serving and the last start failed, queued tasks fail with its failure. */
  private void failQueuedIfNoWorkerCanServe() {
    List<WorkerTask> dropped = new ArrayList<>();
    StartFailure cause;
    boolean breakerOpen;
    lock.lock();
    try {
      cause = starts.lastFailure();
      breakerOpen = !starts.isClosed();
      if ((breakerOpen || starts.lastStartFailed()) && !anyServingLocked()) {
        dropped.addAll(queue);
        queue.clear();
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    for (WorkerTask task : dropped) {
      refuse(task, breakerOpen || cause == null
          ? unhealthy("queued task '" + task.label() + "' failed")
          : cause.exception("task '" + task.label() + "' was not run: "));
    }
  }

  // ---------------------------------------------------------------- the conversation

  /** Runs on an I/O thread for the worker's whole life. */
  private void readReplies(PooledWorker worker) {
    // Futures settled from one burst of answers are handed to the callback executor together,
    // just before the reader would block for more.
    callbacks.holdOnThisThread();
    FrameReader reader = new FrameReader(new BufferedInputStream(
        new FlushBeforeRead(worker.tree.process().stdout(), callbacks)), settings.maxFrameSize());
    try {
      Frame frame;
      while ((frame = reader.next()) != null) {
        worker.lastSignOfLifeNanos = System.nanoTime();
        String violation = onFrame(worker, frame);
        if (violation != null) {
          violated(worker, violation);
          return; // what follows is unread: the finally says so
        }
      }
      worker.repliesReadToEnd = true;
    } catch (ProtocolViolation e) {
      violated(worker, e.getMessage());
    } catch (IOException e) {
      // the pipe was closed under us after teardown
    } finally {
      callbacks.releaseThisThread();
      worker.repliesEnded.complete(null);
    }
  }

  private void violated(PooledWorker worker, String violation) {
    if (worker.violation == null) {
      worker.violation = violation;
    }
    worker.violated.complete(null);
    end(worker, EndReason.PROTOCOL_VIOLATION); // if already ending, finish reports it anyway
  }

  /** Handles one frame; returns a violation, or null. */
  private String onFrame(PooledWorker worker, Frame frame) throws ProtocolViolation {
    FrameType type = frame.type();
    if (type.direction() == FrameType.Direction.TO_WORKER) {
      return "a " + type + " frame, which only the supervisor sends";
    }
    if (!worker.helloSeen && type != FrameType.HELLO) {
      return "the first frame must be HELLO, but was " + type;
    }
    if (worker.shutdownSent && type != FrameType.HEARTBEAT && type != FrameType.RESULT
        && type != FrameType.ERROR && type != FrameType.PROGRESS) {
      return "a " + type + " frame after SHUTDOWN";
    }
    switch (type) {
      case HELLO -> {
        return hello(worker, Payloads.hello(frame.payload()));
      }
      case HEARTBEAT -> {
        return null;
      }
      case PROGRESS -> {
        Payloads.text(frame.payload(), "PROGRESS note");
        lock.lock();
        try {
          Attempt a = worker.current();
          if (a == null || a.id != frame.id()) {
            return "PROGRESS for task " + frame.id() + ", but " + running(a);
          }
          a.lastProgressNanos = System.nanoTime();
        } finally {
          lock.unlock();
        }
        return null;
      }
      case RESULT, ERROR -> {
        return answer(worker, frame);
      }
      case PONG -> {
        return pong(worker, frame.id());
      }
      default -> {
        return "unexpected " + type;
      }
    }
  }

  private static String running(Attempt a) {
    return a == null ? "the worker runs no task" : "the worker runs task " + a.id;
  }

  private String hello(PooledWorker worker, Payloads.Hello hello) {
    if (worker.helloSeen) {
      return "a second HELLO";
    }
    if (hello.version() != Payloads.PROTOCOL_VERSION) {
      return "HELLO with protocol version " + hello.version() + ", but this supervisor speaks "
          + "version " + Payloads.PROTOCOL_VERSION + " only";
    }
    long took = System.nanoTime() - worker.startNanos;
    lock.lock();
    try {
      if (worker.tree.lifecycle().state() == WorkerState.STARTING) {
        worker.tree.lifecycle().moveTo(WorkerState.IDLE);
      }
      worker.helloSeen = true;
      worker.idleSinceNanos = System.nanoTime();
      worker.lastHealthCheckNanos = System.nanoTime();
    } finally {
      lock.unlock();
    }
    starts.startSucceeded(took);
    log.debug("[{}] worker {} ready in {} ms: {} pid {}", settings.name(), worker.id(),
        took / 1_000_000, hello.runtime(), hello.pid());
    dispatch(worker);
    return null;
  }

  private String answer(PooledWorker worker, Frame frame) throws ProtocolViolation {
    Object value = null;
    Payloads.Error error = null;
    long confirmPing = 0;
    Attempt a;
    lock.lock();
    try {
      a = worker.current();
    } finally {
      lock.unlock();
    }
    if (a == null || a.id != frame.id()) {
      return frame.type() + " for task " + frame.id() + ", but " + running(a);
    }
    if (frame.type() == FrameType.RESULT) {
      try {
        value = a.task.decoder.decode(frame.payload());
      } catch (Exception e) {
        return "its result for task '" + a.task.label() + "' could not be decoded: " + e;
      }
    } else {
      error = Payloads.error(frame.payload());
    }
    lock.lock();
    try {
      if (worker.current() != a) {
        return null; // ended meanwhile, and the end already settled the task
      }
      worker.inFlight.pollFirst();
      a.task.worker = null;
      worker.tasksDone++;
      starts.workerServed();
      long now = System.nanoTime();
      Attempt next = worker.current();
      if (next != null) {
        next.startRunning(now, settings.cancelGrace().toNanos());
      } else {
        if (worker.tree.lifecycle().state() == WorkerState.BUSY) {
          worker.tree.lifecycle().moveTo(WorkerState.IDLE);
        }
        worker.idleSinceNanos = now;
      }
      // A cancelled handler may still run after its answer: no new task before a PONG. With
      // tasks queued behind it, their own deadlines watch the worker instead.
      if ((a.cancelDeadlineNanos != 0 || a.cancelRequested) && next == null) {
        worker.reuseAfterPong = true;
        worker.pingSentNanos = System.nanoTime();
        if (worker.pingNonce == 0) {
          worker.pingNonce = pingNonces.incrementAndGet();
          confirmPing = worker.pingNonce;
        } // else the outstanding ping's PONG, which comes after the handler returns, will do
      }
      if (worker.tasksDone >= worker.maxTasks && worker.retireReason == null) {
        worker.retireReason = EndReason.RECYCLED;
        worker.retireBecause = "served " + worker.tasksDone + " tasks";
      }
    } finally {
      lock.unlock();
    }
    WorkerTask task = a.task;
    Duration ran = Duration.ofNanos(a.ranNanos());
    if (error == null) {
      if (task.retry != null) {
        task.retry.onComplete();
      }
      succeeded(task, worker.id(), ran, value);
    } else {
      failed(task, worker.id(), ran, new TaskFailedException(task.label(), worker.id(),
          error.type(), error.message(), error.trace()));
    }
    if (confirmPing != 0) {
      worker.send(Frame.of(FrameType.PING, confirmPing)); // its PONG makes it available again
    }
    dispatch(worker);
    return null;
  }

  private String pong(PooledWorker worker, long nonce) {
    boolean reusable = false;
    lock.lock();
    try {
      if (worker.pingNonce == 0 || worker.pingNonce != nonce) {
        return "a PONG for ping " + nonce + ", but "
            + (worker.pingNonce == 0 ? "no ping is outstanding" : "the outstanding ping is "
            + worker.pingNonce);
      }
      worker.pingNonce = 0;
      if (worker.reuseAfterPong) {
        worker.reuseAfterPong = false;
        reusable = true;
      } else {
        concludeHealthRoundLocked(worker);
      }
    } finally {
      lock.unlock();
    }
    if (reusable) {
      dispatch(worker);
    }
    return null;
  }

  /** Gives a worker tasks up to its window, or retires it if it is due to and idle. */
  private void dispatch(PooledWorker worker) {
    List<Attempt> assigned = new ArrayList<>();
    EndReason retire = null;
    lock.lock();
    try {
      WorkerState state = worker.tree.lifecycle().state();
      if (!worker.helloSeen || worker.reuseAfterPong
          || (state != WorkerState.IDLE && state != WorkerState.BUSY)) {
        return;
      }
      boolean drained = drain.isShutdown() && queue.isEmpty();
      if (worker.inFlight.isEmpty() && (closed || drained || worker.retireReason != null)) {
        retire = closed || worker.retireReason == null ? EndReason.POOL_CLOSED
            : worker.retireReason;
        if (!worker.tree.lifecycle().stop(retire)) {
          retire = null;
        }
      } else {
        Attempt a;
        while (isAvailableLocked(worker) && (a = assignLocked(worker)) != null) {
          assigned.add(a);
        }
      }
    } finally {
      lock.unlock();
    }
    if (retire != null) {
      EndReason reason = retire;
      log.debug("[{}] retiring worker {}: {}", settings.name(), worker.id(),
          worker.retireBecause == null ? reason : worker.retireBecause);
      io.execute(() -> finish(worker, reason));
    }
    if (!assigned.isEmpty()) {
      sendAssigned(worker);
    }
  }

  /** Hands queued tasks to every available worker (submissions may race for one worker). */
  private void pumpQueue() {
    List<PooledWorker> assignedTo = new ArrayList<>();
    lock.lock();
    try {
      for (PooledWorker w : workers) {
        if (queue.isEmpty() || closed) {
          break;
        }
        Attempt a;
        while (isAvailableLocked(w) && (a = assignLocked(w)) != null) {
          assignedTo.add(w);
        }
      }
    } finally {
      lock.unlock();
    }
    for (PooledWorker w : new java.util.LinkedHashSet<>(assignedTo)) {
      sendAssigned(w);
    }
  }

  /** Ready for one more task: said HELLO, under its window and its task limit, not leaving. */
  private boolean isAvailableLocked(PooledWorker w) {
    WorkerState state = w.tree.lifecycle().state();
    return w.helloSeen && !w.reuseAfterPong && w.retireReason == null && !closed
        && (state == WorkerState.IDLE || state == WorkerState.BUSY)
        && w.inFlight.size() < settings.tasksInFlightPerWorker()
        && w.tasksDone + w.inFlight.size() < w.maxTasks;
  }

  /** Takes the next live task off the queue for {@code worker}; null if there is none. */
  private Attempt assignLocked(PooledWorker worker) {
    WorkerTask task;
    while ((task = queue.poll()) != null && task.future.isDone()) {
      // cancelled or settled while it waited
    }
    if (task == null) {
      return null;
    }
    Attempt attempt = new Attempt(taskIds.incrementAndGet(), task);
    worker.inFlight.addLast(attempt);
    worker.unsent.addLast(attempt);
    task.worker = worker;
    task.attempts++;
    if (worker.tree.lifecycle().state() == WorkerState.IDLE) {
      worker.tree.lifecycle().moveTo(WorkerState.BUSY);
    }
    changed.signalAll();
    return attempt;
  }

  /**
   * Writes the worker's assigned tasks in the order they were assigned. Threads assign under
   * the pool's lock but write outside it; whichever thread writes, it writes them all in order,
   * since the worker answers in the order the TASKs reach it.
   */
  private void sendAssigned(PooledWorker worker) {
    synchronized (worker.sendOrder) {
      while (true) {
        Attempt a;
        lock.lock();
        try {
          a = worker.unsent.pollFirst();
        } finally {
          lock.unlock();
        }
        if (a == null) {
          return;
        }
        if (a.task.markStarted()) {
          events.fire(l -> l.taskStarted(new TaskEvent(settings.name(), a.task.label(),
              Optional.of(worker.id()), Duration.ZERO, Optional.empty())));
        }
        if (!worker.send(Frame.of(FrameType.TASK, a.id, a.task.payload()))) {
          // Its stdin is gone: it died (the exit will tell) or closed it, a violation.
          if (!awaitExit(worker, Duration.ofSeconds(1))) {
            violated(worker, "it closed its stdin");
          }
          return;
        }
      }
    }
  }

  private static boolean awaitExit(PooledWorker worker, Duration bound) {
    try {
      worker.tree.process().exit().get(bound.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- supervision

  private long lowestPidFloor() {
    long floor = Long.MAX_VALUE;
    for (PooledWorker w : workers) {
      floor = Math.min(floor, w.tree.pidFloor());
    }
    return floor;
  }

  /** Housekeeper tick: every worker's memory, liveness, deadlines, recycling and health. */
  private void onTick(ProcessTable table) {
    long now = System.nanoTime();
    for (PooledWorker w : workers) {
      WorkerState state = w.tree.lifecycle().state();
      if (state == WorkerState.STOPPING || state == WorkerState.DEAD) {
        continue;
      }
      TreeMeter.Reading reading = w.tree.sample(table, settings.memoryLimit().toBytes());
      Optional<SupervisedTree.KernelBreach> kernel = w.tree.kernelBreach();
      if (kernel.isPresent()) {
        w.breach = kernel.get().reading();
        end(w, kernel.get().reason());
        continue;
      }
      if (reading.bytes() > settings.memoryLimit().toBytes()) {
        w.breach = reading;
        end(w, EndReason.MEMORY_LIMIT);
        continue;
      }
      if (reading.processCount() > settings.maxProcesses()) {
        w.breach = reading;
        end(w, EndReason.PROCESS_LIMIT);
        continue;
      }
      if (!w.helloSeen) {
        if (now - w.startNanos > settings.startTimeout().toNanos()) {
          end(w, EndReason.START_TIMEOUT);
        }
        continue;
      }
      if (silenceJudge.isHung(w, now)) {
        end(w, EndReason.HEARTBEAT_TIMEOUT);
        continue;
      }
      checkWorker(w, reading, now);
    }
    maybeStartWorkers();
  }

  private void checkWorker(PooledWorker w, TreeMeter.Reading reading, long now) {
    EndReason endNow = null;
    boolean retireIdle = false;
    long ping = 0;
    boolean probe = false;
    lock.lock();
    try {
      if (reading.bytes() > settings.softMemoryLimit().toBytes() && w.retireReason == null) {
        w.retireReason = EndReason.RECYCLED;
        w.retireBecause = "its tree uses " + MemorySize.ofBytes(reading.bytes())
            + ", over the soft limit of " + settings.softMemoryLimit();
      }
      if (now - w.startNanos > w.maxAgeNanos && w.retireReason == null) {
        w.retireReason = EndReason.RECYCLED;
        w.retireBecause = "it is older than maxWorkerAge";
      }
      Attempt a = w.current();
      if (w.reuseAfterPong) {
        if (now - w.pingSentNanos > settings.cancelGrace().toNanos()) {
          endNow = EndReason.CANCELLED; // its cancelled handler is still running
        }
      } else if (w.pingNonce != 0
          && now - w.pingSentNanos > settings.healthCheckTimeout().toNanos()) {
        w.pingNonce = 0;
        w.healthRoundFailed = true;
        concludeHealthRoundLocked(w);
      }
      if (endNow != null) {
        // decided above
      } else if (a != null) {
        if (a.cancelDeadlineNanos != 0 && now - a.cancelDeadlineNanos > 0) {
          endNow = EndReason.CANCELLED;
        } else if (a.ranNanos() > a.task.timeout.toNanos()) {
          endNow = EndReason.TIMEOUT;
        } else if (settings.progressTimeout().isPresent()
            && now - a.lastProgressNanos > settings.progressTimeout().get().toNanos()) {
          endNow = EndReason.PROGRESS_TIMEOUT;
        }
      } else if (w.retireReason != null) {
        retireIdle = true;
      } else if (now - w.idleSinceNanos > settings.idleTimeout().toNanos()
          && nonStoppingLocked() > settings.minIdle()) {
        w.retireReason = EndReason.IDLE_TIMEOUT;
        w.retireBecause = "idle for more than idleTimeout";
        retireIdle = true;
      } else if (w.pingNonce == 0 && !w.probeRunning && !w.reuseAfterPong
          && now - w.lastHealthCheckNanos > settings.healthCheckInterval().toNanos()) {
        w.lastHealthCheckNanos = now;
        w.healthRoundFailed = false;
        w.pingNonce = pingNonces.incrementAndGet();
        w.pingSentNanos = now;
        ping = w.pingNonce;
        probe = settings.healthCheck().isPresent();
        w.probeRunning = probe;
      }
    } finally {
      lock.unlock();
    }
    if (endNow != null) {
      end(w, endNow);
    } else if (retireIdle) {
      dispatch(w); // an idle worker with a retire reason retires there
    } else if (ping != 0) {
      if (!w.send(Frame.of(FrameType.PING, ping))) {
        return; // its exit ends it
      }
      if (probe) {
        runHealthCheck(w);
      }
    }
  }

  private void runHealthCheck(PooledWorker w) {
    WorkerSnapshot snapshot = w.tree.snapshot();
    // The caller's code: on the callback executor, where a slow or throwing check (an Error
    // included) costs the round, never a reader or the housekeeper.
    CompletableFuture.supplyAsync(() -> {
      try {
        return settings.healthCheck().get().isHealthy(snapshot);
      } catch (Throwable t) {
        log.warn("[{}] health check of {} threw; counted as failed", settings.name(), w.id(), t);
        return false;
      }
    }, callbacks).completeOnTimeout(false, settings.healthCheckTimeout().toMillis(),
        TimeUnit.MILLISECONDS).thenAccept(ok -> {
          lock.lock();
          try {
            w.probeRunning = false;
            if (!ok) {
              w.healthRoundFailed = true;
            }
            concludeHealthRoundLocked(w);
          } finally {
            lock.unlock();
          }
        });
  }

  /** Once the PONG and the probe of a round are both in: count it. */
  private void concludeHealthRoundLocked(PooledWorker w) {
    if (w.pingNonce != 0 || w.probeRunning) {
      return;
    }
    if (!w.healthRoundFailed) {
      w.healthFailures = 0;
      return;
    }
    w.healthRoundFailed = false;
    w.healthFailures++;
    log.warn("[{}] worker {} failed its health check ({} of {} in a row)", settings.name(),
        w.id(), w.healthFailures, settings.healthCheckFailures());
    if (w.healthFailures >= settings.healthCheckFailures() && w.retireReason == null) {
      w.retireReason = EndReason.HEALTH_CHECK_FAILED;
      w.retireBecause = w.healthFailures + " failed health checks in a row";
    }
  }

  private int busyLocked() {
    int n = 0;
    for (PooledWorker w : workers) {
      if (!w.inFlight.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  /** Tasks the workers could take now or once started: each worker's window, less its load. */
  private int freeSlotsLocked() {
    int free = settings.workers() * settings.tasksInFlightPerWorker();
    for (PooledWorker w : workers) {
      free -= w.inFlight.size();
    }
    return free;
  }

  private int nonStoppingLocked() {
    int n = 0;
    for (PooledWorker w : workers) {
      WorkerState state = w.tree.lifecycle().state();
      if (state != WorkerState.STOPPING && state != WorkerState.DEAD) {
        n++;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- ending

  /** Claims the end of {@code worker} for {@code reason}; false if another cause came first. */
  private boolean end(PooledWorker worker, EndReason given) {
    EndReason reason = given;
    if (reason == EndReason.EXITED) {
      // A root the kernel killed at the tree's memory limit died of that limit, not by itself.
      Optional<SupervisedTree.KernelBreach> breach =
          worker.tree.kernelBreach();
      if (breach.isPresent()) {
        worker.breach = breach.get().reading();
        reason = breach.get().reason();
      }
    }
    lock.lock();
    try {
      if (!worker.tree.lifecycle().stop(reason)) {
        return false;
      }
      long now = System.nanoTime();
      worker.endClaimedNanos = now;
      worker.runningWhenEndClaimed = worker.current();
      worker.silenceNanos = now - worker.lastSignOfLifeNanos;
    } finally {
      lock.unlock();
    }
    EndReason claimed = reason;
    io.execute(() -> finish(worker, claimed));
    return true;
  }

  /** Runs on an I/O thread: ends the tree, settles its task, replaces it if wanted. */
  private void finish(PooledWorker worker, EndReason reason) {
    SupervisedTree tree = worker.tree;
    boolean idle;
    lock.lock();
    try {
      idle = worker.inFlight.isEmpty();
    } finally {
      lock.unlock();
    }
    boolean graceful = worker.helloSeen && idle
        && (reason == EndReason.POOL_CLOSED || reason == EndReason.RECYCLED
        || reason == EndReason.IDLE_TIMEOUT);
    if (graceful) {
      worker.shutdownSent = true;
      worker.send(Frame.of(FrameType.SHUTDOWN, 0));
      worker.closeRequests();
      try {
        // Its exit, or a violation (output after SHUTDOWN), whichever comes first.
        CompletableFuture.anyOf(tree.process().exit(), worker.violated)
            .get(settings.terminationGrace().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // it did not exit in time: the teardown below ends it
      }
    }
    // A worker that never said HELLO never took a task: nothing is lost by ending it at once,
    // and the tasks waiting for it learn of the failed start sooner.
    Duration grace = TeardownGrace.skippedFor(reason) || !worker.helloSeen
        ? Duration.ZERO : settings.terminationGrace();
    TeardownReport report;
    try {
      report = tree.end(grace);
    } catch (RuntimeException e) {
      log.error("[{}] teardown of {} failed", settings.name(), worker.id(), e);
      report = new TeardownReport(0, List.of(), Duration.ZERO);
    }
    worker.closeRequests();
    boolean allRepliesRead = awaitStreams(worker, grace) && worker.repliesReadToEnd;
    ExitStatus exit = awaitExitStatus(worker);
    tree.release();
    if (!report.isComplete()) {
      log.error("[{}] {} processes of worker {} survived teardown: {}", settings.name(),
          report.survivors().size(), worker.id(), report.survivors());
    }

    Attempt attempt;
    List<Attempt> behind;
    StartFailure startFailure = null;
    lock.lock();
    try {
      attempt = worker.inFlight.pollFirst();
      behind = new ArrayList<>(worker.inFlight);
      worker.inFlight.clear();
      worker.unsent.clear();
      long now = System.nanoTime();
      if (!worker.helloSeen && reason != EndReason.POOL_CLOSED) {
        startFailure = new StartFailure("worker " + worker.id() + " of pool '"
            + settings.name() + "' " + describeEarlyEnd(worker, reason, exit), null,
            worker.stderr.lastLines(STDERR_LINES_IN_MESSAGES));
        starts.startFailed(now - worker.startNanos, startFailure, now);
      } else if (!worker.helloSeen) {
        starts.unused();
      } else if (reason == EndReason.EXITED || reason == EndReason.HEARTBEAT_TIMEOUT
          || reason == EndReason.PROTOCOL_VIOLATION) {
        starts.failed(now);
      }
    } finally {
      lock.unlock();
    }
    if (worker.breach != null) {
      tree.recordBreach(worker.breach);
    }
    WorkerDetails details = tree.details(reason == EndReason.EXITED ? exit : null,
        worker.stderr.lastLines(STDERR_LINES_IN_MESSAGES));
    // A violation while it was being retired (output after SHUTDOWN) is what it is reported
    // for: the worker broke the protocol, whatever else was ending it.
    EndReason reported = worker.violation != null ? EndReason.PROTOCOL_VIOLATION : reason;
    if (reported != EndReason.POOL_CLOSED && reported != EndReason.RECYCLED
        && reported != EndReason.IDLE_TIMEOUT) {
      log.warn("[{}] worker {} ended: {} [{}]", settings.name(), worker.id(),
          reported == EndReason.PROTOCOL_VIOLATION ? "protocol violation: " + worker.violation
              : reported, details);
    }
    if (attempt != null) {
      attemptFailed(attempt, worker, failure(attempt, worker, reason, details),
          ranUntilEnd(attempt, worker));
      // A worker runs its tasks one at a time, in order, and answers in order: when every
      // answer up to the end of its output was read, the tasks behind the running one never
      // started, so they go back to the front of the queue, in their order. When answers went
      // unread (the reader stopped at a violation, or a pipe had to be abandoned), they may
      // have run: they fail, and only an idempotent task runs again.
      for (int i = behind.size() - 1; i >= 0; i--) {
        Attempt waited = behind.get(i);
        waited.task.worker = null;
        if (allRepliesRead) {
          requeue(waited.task);
        } else {
          attemptFailed(waited, worker, mayHaveRun(waited, worker, reported, details),
              Duration.ZERO);
        }
      }
    }
    events.fire(l -> l.workerEnded(new WorkerEvent(settings.name(), worker.id(),
        settings.launch().label(), tree.process().pid(), tree.tempDirectory(),
        Optional.of(reported), Optional.of(details))));
    // Last: the slot is held until here, and close() returns once every slot is free, by
    // when every future is complete and every event delivered.
    lock.lock();
    try {
      workers.remove(worker);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (startFailure != null) {
      afterFailedStart();
    } else {
      maybeStartWorkers();
    }
    stopThreadsIfDone();
  }

  private String describeEarlyEnd(PooledWorker worker, EndReason reason, ExitStatus exit) {
    String why = switch (reason) {
      case EXITED -> "exited before it said HELLO: " + exit;
      case START_TIMEOUT -> "said no HELLO within its start timeout of "
          + settings.startTimeout().toMillis() + " ms";
      case PROTOCOL_VIOLATION -> "broke the protocol before it said HELLO: " + worker.violation;
      default -> "ended before it said HELLO: " + reason;
    };
    Object directory = settings.launch().directory() != null ? settings.launch().directory()
        : System.getProperty("user.dir");
    return why + " (program " + settings.launch().arguments().get(0) + ", directory "
        + directory + ")";
  }

  /** Waits for both pipes to end (see {@code SupervisedTree.endOutput}); false if abandoned. */
  private boolean awaitStreams(PooledWorker worker, Duration grace) {
    return worker.tree.endOutput(
        CompletableFuture.allOf(worker.repliesEnded, worker.stderr.drained()), grace).readToEnd();
  }

  private static ExitStatus awaitExitStatus(PooledWorker worker) {
    try {
      return worker.tree.process().exit().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // reported as unknown; the teardown already logged any survivor
    }
    return ExitStatus.exited(-1);
  }

  /** How long {@code a} had run when its worker's end was claimed (teardown not counted). */
  private static Duration ranUntilEnd(Attempt a, PooledWorker w) {
    long end = w.endClaimedNanos != 0 ? w.endClaimedNanos : System.nanoTime();
    return Duration.ofNanos(Math.max(0, end - a.startNanos));
  }

  /** A task that was sent behind the running one when answers went unread. */
  private RuntimeException mayHaveRun(Attempt a, PooledWorker w, EndReason reason,
      WorkerDetails details) {
    String why = "it was sent to worker " + w.id() + " behind the task it was running, the "
        + "worker was ended (" + reason + ") before all its answers were read, so this task "
        + "may have run";
    return reason == EndReason.PROTOCOL_VIOLATION
        ? new WorkerProtocolException(a.task.label(), w.violation + "; " + why, details)
        : new WorkerCrashedException(a.task.label(), why, details);
  }

  private RuntimeException failure(Attempt a, PooledWorker w, EndReason reason,
      WorkerDetails details) {
    String label = a.task.label();
    Attempt cause = w.runningWhenEndClaimed;
    if (cause != null && cause != a && isAboutOneTask(reason)) {
      // The worker moved on to this task in the moment between the claim and the teardown.
      return new WorkerCrashedException(label, "its worker was being ended (" + reason
          + ") for task '" + cause.task.label() + "' when this task started", details);
    }
    return switch (reason) {
      case TIMEOUT -> new TaskTimeoutException(label, a.task.timeout, ranUntilEnd(a, w),
          details);
      case MEMORY_LIMIT -> new MemoryLimitExceededException(label, settings.memoryLimit(),
          MemorySize.ofBytes(w.breach.bytes()), w.breach.metric(), details);
      case PROCESS_LIMIT -> ProcessLimitFailure.of(label, settings.maxProcesses(), w.breach,
          details);
      case HEARTBEAT_TIMEOUT -> new HeartbeatTimeoutException(label,
          Duration.ofNanos(w.silenceNanos), settings.heartbeatTimeout(), details);
      case PROGRESS_TIMEOUT -> new ProgressTimeoutException(label,
          Duration.ofNanos(Math.max(0, w.endClaimedNanos - a.lastProgressNanos)),
          settings.progressTimeout().orElseThrow(), details);
      case PROTOCOL_VIOLATION -> new WorkerProtocolException(label, w.violation, details);
      case SUPERVISION_FAILED -> new SupervisionFailedException(label, w.stderr.failure(), details);
      case CANCELLED -> new CancellationException("task '" + label + "' was cancelled");
      case POOL_CLOSED -> new PoolClosedException("pool '" + settings.name() + "' "
          + drain.closedBy() + " while task '" + label + "' ran");
      default -> new WorkerCrashedException(label, details);
    };
  }

  /** Endings caused by one task (its deadline, its progress, its cancel), not by the worker. */
  private static boolean isAboutOneTask(EndReason reason) {
    return reason == EndReason.TIMEOUT || reason == EndReason.PROGRESS_TIMEOUT
        || reason == EndReason.CANCELLED;
  }

  /** Settles a task whose worker ended under it: retried if idempotent and retryable. */
  private void attemptFailed(Attempt a, PooledWorker worker, RuntimeException failure,
      Duration ran) {
    WorkerTask task = a.task;
    task.worker = null;
    if (task.future.isDone()) {
      ended(task, worker.id(), ran); // cancelled while it ran: its work has stopped now
      return;
    }
    if (task.retry != null && !isClosed()) {
      long delayMillis = task.retry.onError(failure);
      if (delayMillis >= 0) {
        log.info("[{}] task '{}' (idempotent) failed on worker {} ({}); running it again in {} "
            + "ms", settings.name(), task.label(), worker.id(), failure.getClass().getSimpleName(),
            delayMillis);
        lock.lock();
        try {
          awaitingRetry.add(task); // close() fails it if the pool closes meanwhile
        } finally {
          lock.unlock();
        }
        try {
          timer.schedule(() -> requeue(task), delayMillis, TimeUnit.MILLISECONDS);
          return;
        } catch (RejectedExecutionException closing) {
          lock.lock();
          try {
            awaitingRetry.remove(task);
          } finally {
            lock.unlock();
          }
        }
      }
    }
    failed(task, worker.id(), ran, failure);
  }

  private void requeue(WorkerTask task) {
    boolean alreadyDone = false;
    boolean refusedClosed = false;
    lock.lock();
    try {
      awaitingRetry.remove(task);
      if (task.future.isDone()) {
        alreadyDone = true; // cancelled between attempts
      } else if (closed) {
        refusedClosed = true;
      } else {
        queue.addFirst(task);
      }
    } finally {
      lock.unlock();
    }
    if (alreadyDone) {
      ended(task, null, Duration.ZERO);
      return;
    }
    if (refusedClosed) {
      refuse(task, new PoolClosedException("pool '" + settings.name() + "' was closed before "
          + "task '" + task.label() + "' could run again"));
      return;
    }
    pumpQueue();
    maybeStartWorkers();
  }

  // ---------------------------------------------------------------- settling tasks

  /** Completes the task with its result (unless it was cancelled) and reports its end. */
  private void succeeded(WorkerTask task, String workerId, Duration ran, Object value) {
    task.future.complete(value);
    ended(task, workerId, ran);
  }

  /** Fails the task (unless it was already settled) and reports its end. */
  private void failed(WorkerTask task, String workerId, Duration ran, Throwable failure) {
    task.future.completeExceptionally(failure);
    ended(task, workerId, ran);
  }

  /**
   * Reports the task's one end, as its future ended: a cancelled task's end is reported here
   * too, once nothing of it runs. Called only once the task has left every queue and worker;
   * its input is let go.
   */
  private void ended(WorkerTask task, String workerId, Duration ran) {
    if (task.markEnded()) {
      events.taskEnded(task.label(), task.future, workerId, ran);
    }
    drain.ended(task);
  }


  // ---------------------------------------------------------------- observation and close

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  private String countsLocked() {
    return "pool '" + settings.name() + "': workers=" + (workers.size() + pendingStarts) + "/"
        + settings.workers() + ", busy=" + busyLocked() + ", waiting=" + queue.size()
        + " (room: queueCapacity " + settings.queueCapacity() + " + " + freeSlotsLocked()
        + " free worker slots), closed=" + closed;
  }

  public PoolSnapshot snapshot() {
    List<WorkerSnapshot> list = new ArrayList<>();
    for (PooledWorker w : workers) {
      list.add(w.tree.snapshot());
    }
    // Read before the pool's lock: the lifeline's monitor may be held through a watchdog's start.
    LifelineStatus lifeline = Lifeline.get().status();
    lock.lock();
    try {
      return new PoolSnapshot(settings.name(), containment.name(), settings.workers(),
          workers.size() + pendingStarts, queue.size(), settings.queueCapacity(), closed, list,
          admission.budget(), lifeline);
    } finally {
      lock.unlock();
    }
  }

  /** Stops intake; accepted tasks go on, idle workers retire, and then the pool closes. */
  public void shutdown() {
    drain.shutdown();
  }

  public boolean isShutdown() {
    return drain.isShutdown() || isClosed();
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return threads.awaitStopped(timeout);
  }

  public boolean isTerminated() {
    return threads.hasStopped();
  }

  /** Drains up to {@code drainTimeout}, then ends what is left. */
  public void close(Duration drainTimeout) {
    drain.close(drainTimeout, threads);
  }

  public void close() {
    List<WorkerTask> dropped;
    List<WorkerTask> notRetried;
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        dropped = new ArrayList<>(queue);
        queue.clear();
        notRetried = new ArrayList<>(awaitingRetry);
        awaitingRetry.clear();
      } else {
        dropped = List.of();
        notRetried = List.of();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (WorkerTask task : dropped) {
      refuse(task, new PoolClosedException("pool '" + settings.name() + "' "
          + drain.closedBy() + " before queued task '" + task.label() + "' started"));
    }
    for (WorkerTask task : notRetried) {
      refuse(task, new PoolClosedException("pool '" + settings.name() + "' was closed before "
          + "task '" + task.label() + "' could run again"));
    }
    for (PooledWorker w : workers) {
      end(w, EndReason.POOL_CLOSED);
    }
    if (threads.isPoolThread()) {
      closedWithoutWaiting = true;
      stopThreadsIfDone();
      return;
    }
    lock.lock();
    try {
      while (!workers.isEmpty() || pendingStarts > 0) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
    if (!events.awaitDelivered(EVENT_DELIVERY_BOUND)) {
      log.warn("[{}] closed, but the pool listener is still busy after {} ms; the remaining "
          + "events are delivered in the background", settings.name(),
          EVENT_DELIVERY_BOUND.toMillis());
    }
    stopThreads();
  }

  private void stopThreadsIfDone() {
    boolean done;
    lock.lock();
    try {
      done = closed && closedWithoutWaiting && workers.isEmpty() && pendingStarts == 0;
    } finally {
      lock.unlock();
    }
    if (done) {
      stopThreads();
    }
  }

  private void stopThreads() {
    // The directory first: a caller of awaitTermination finds nothing left once threads stop.
    if (settings.launch().runtimeDirectory() != null) {
      TempDirectories.delete(settings.launch().runtimeDirectory());
    }
    threads.stop();
  }
}
