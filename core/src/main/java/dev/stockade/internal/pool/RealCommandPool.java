package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.InsufficientMemoryException;
import dev.stockade.LifelineStatus;
import dev.stockade.MemoryBudget;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.PoolClosedException;
import dev.stockade.PoolSaturatedException;
import dev.stockade.PoolSnapshot;
import dev.stockade.TaskEvent;
import dev.stockade.WorkerDetails;
import dev.stockade.WorkerEvent;
import dev.stockade.WorkerSnapshot;
import dev.stockade.WorkerStartException;
import dev.stockade.WorkerState;
import dev.stockade.internal.cgroup.CgroupContainmentStrategy;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.internal.cgroup.OwnCgroupMemory;
import dev.stockade.internal.engine.CallbackExecutor;
import dev.stockade.internal.engine.Drain;
import dev.stockade.internal.engine.Events;
import dev.stockade.internal.engine.MemoryAdmission;
import dev.stockade.internal.engine.OutputTail;
import dev.stockade.internal.engine.PoolThreads;
import dev.stockade.internal.engine.Spawner;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.engine.Tags;
import dev.stockade.internal.engine.TeardownGrace;
import dev.stockade.internal.lifeline.LeftoverSweep;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import dev.stockade.internal.os.ContainmentStrategy;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMeter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code CommandPool}: admission (a bounded queue and a bounded number of
 * live trees), dispatch on the spawner thread, per-tick limit and deadline checks, and the one
 * path by which every tree ends — claim the end once, tear the tree down, then complete the
 * future. A slot is freed only when its tree is verified gone, so {@code workers} bounds live
 * trees, not running tasks.
 */
public final class RealCommandPool {
  private static final Logger log = LoggerFactory.getLogger(RealCommandPool.class);
  private static final int STDERR_LINES_IN_MESSAGES = 10;
  /** How long close() waits for a listener to take the events of the pool's last moments. */
  private static final Duration EVENT_DELIVERY_BOUND = Duration.ofSeconds(5);

  private final CommandPoolSettings settings;
  private final String poolId;
  private final TagIndex tags = new TagIndex();
  private final ContainmentStrategy containment;
  private final CallbackExecutor callbacks;
  private final Events events;
  private final ProcessLauncher launcher;
  private final PoolThreads threads;
  private final Spawner spawner;
  private final ExecutorService io;
  private final ScheduledExecutorService timer;
  private final MemoryAdmission admission;
  private final Drain drain;
  /** Set while tasks wait in the queue for memory; new tasks queue behind them. */
  private final AtomicBoolean heldForMemory = new AtomicBoolean();
  private final AtomicLong workerNumbers = new AtomicLong();
  private final Set<RunningCommand> running = ConcurrentHashMap.newKeySet();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<CommandTask> queue = new ArrayDeque<>();
  private int active;
  private boolean closed;
  private volatile boolean closedWithoutWaiting;

  public RealCommandPool(CommandPoolSettings settings) {
    if (!ProcessTable.isAvailable()) {
      throw new UnsupportedOperationException(
          "CommandPool needs /proc (Linux); this platform has none");
    }
    this.settings = settings;
    this.poolId = Tags.newPoolId(settings.name());
    CgroupSelection cgroups = CgroupProbe.select(settings.cgroupMode());
    // Before any tree of this pool starts: what a killed run of this name left is ended first,
    // so the new workers do not compete with it for memory.
    LeftoverSweep.sweep(settings.name(), cgroups.base());
    this.containment = CgroupContainmentStrategy.of(cgroups, poolId, tags);
    this.callbacks = settings.callbackExecutor()
        .map(e -> CallbackExecutor.of(settings.name(), e))
        .orElseGet(() -> CallbackExecutor.owned(settings.name(),
            CallbackExecutor.defaultThreads(settings.workers())));
    this.events = new Events(settings.name(), settings.listener().orElse(null), callbacks);
    this.launcher = ProcessLauncher.detect();
    // Everything that can fail comes before the threads and the shutdown hook: a constructor
    // that throws after them would leave both behind.
    this.admission = new MemoryAdmission(settings.name(), OwnCgroupMemory.resolve(),
        settings.minFreeMemory(), settings.memoryPressurePolicy(), events);
    MemoryBudget budget = admission.budget();
    this.drain = new Drain(settings.name(), lock, this::close, () -> { });
    this.threads = new PoolThreads(settings.name(), settings.sampleInterval(), tags,
        this::lowestPidFloor, this::onTick,
        settings.shutdownHook() ? () -> close(Drain.SHUTDOWN_HOOK_DRAIN) : null, callbacks);
    this.spawner = threads.spawner();
    this.io = threads.io();
    this.timer = threads.timer();
    log.info("[{}] started: workers={}, queueCapacity={}, containment={}, launcher={}, "
            + "memoryLimit={}, taskTimeout={} ms, memory of this JVM: {} limit, {} available ({})",
        settings.name(), settings.workers(), settings.queueCapacity(), containment.name(),
        launcher.name(), settings.memoryLimit(), settings.taskTimeout().toMillis(),
        budget.limit(), budget.available(), budget.source());
  }

  public String name() {
    return settings.name();
  }

  // ---------------------------------------------------------------- admission

  public CompletableFuture<CommandResult> run(Command command) {
    Duration timeout = command.timeout().orElse(settings.taskTimeout());
    if (timeout.compareTo(settings.sampleInterval()) < 0) {
      throw new IllegalArgumentException("timeout of command '" + command.label()
          + "' must be >= the pool's sampleInterval (" + settings.sampleInterval().toMillis()
          + " ms), but was " + timeout.toMillis() + " ms");
    }
    MemorySize limit = command.memoryLimit().orElse(settings.memoryLimit());
    if (limit.toBytes() < CommandPoolSettings.MIN_MEMORY_LIMIT_BYTES) {
      throw new IllegalArgumentException("memoryLimit of command '" + command.label()
          + "' must be >= one page (" + CommandPoolSettings.MIN_MEMORY_LIMIT_BYTES
          + " bytes), but was " + limit);
    }
    CommandTask task = new CommandTask(command, timeout, limit, this, callbacks);
    boolean startNow;
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
        if (active < settings.workers() && !heldForMemory.get()) {
          active++;
          startNow = true;
          drain.accepted(task);
          break;
        }
        if (queue.size() < settings.queueCapacity()) {
          queue.add(task);
          startNow = false;
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
    if (startNow) {
      spawner.execute(() -> start(task));
    }
    return task.future;
  }

  private CompletableFuture<CommandResult> refuse(CommandTask task, RuntimeException why) {
    task.future.completeExceptionally(why);
    ended(task, null, Duration.ZERO);
    return task.future;
  }

  void cancelled(CommandTask task, boolean mayInterruptIfRunning) {
    boolean wasQueued;
    lock.lock();
    try {
      wasQueued = queue.remove(task);
      if (wasQueued) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    if (wasQueued) {
      ended(task, null, Duration.ZERO);
      return;
    }
    RunningCommand rc = task.running;
    if (rc != null && mayInterruptIfRunning) {
      end(rc, EndReason.CANCELLED);
    }
    // Not yet started: start() sees the cancelled future and ends the tree at once. Running
    // and left to finish (cancel(false)): its end is reported when its tree is gone.
  }

  // ---------------------------------------------------------------- start

  /** Runs on the spawner thread; the slot for {@code task} is already taken. */
  private void start(CommandTask task) {
    if (task.future.isDone()) {
      release();
      ended(task, null, Duration.ZERO); // cancelled on its way to the spawner
      return;
    }
    Optional<MemoryBudget> pressure = admission.pressure();
    if (pressure.isPresent()) {
      holdForMemory(task, pressure.get());
      return;
    }
    String workerId = "w" + workerNumbers.incrementAndGet();
    Command command = task.command;
    SupervisedTree tree;
    try {
      tree = SupervisedTree.start(settings.name(), poolId, workerId, task.label(),
          containment.create(Tags.workerTag(poolId, workerId), new TreeLimits(
              task.memoryLimit.toBytes(), 0, settings.maxProcesses())), launcher,
          settings.memoryAccounting(), new SupervisedTree.Spec(command.arguments(),
              command.environment(), command.directory().orElse(null), true, false), io);
    } catch (IOException | RuntimeException e) {
      // Anything at all: the slot must be freed and the future completed, or both leak.
      WorkerStartException failure = new WorkerStartException("task '" + task.label()
          + "' could not start in pool '" + settings.name() + "': " + e.getMessage(), e);
      release();
      task.future.completeExceptionally(failure);
      ended(task, workerId, Duration.ZERO);
      return;
    }
    tree.lifecycle().moveTo(WorkerState.BUSY);
    RunningCommand rc = new RunningCommand(task, tree,
        OutputTail.drain(tree.process().stdout(), settings.outputLimitBytes(), io),
        OutputTail.drain(tree.process().stderr(), settings.outputLimitBytes(), io));
    running.add(rc);
    task.running = rc;
    events.fire(l -> l.workerStarted(new WorkerEvent(settings.name(), workerId, task.label(),
        tree.process().pid(), tree.tempDirectory(), Optional.empty(), Optional.empty())));
    events.fire(l -> l.taskStarted(new TaskEvent(settings.name(), task.label(),
        Optional.of(workerId), Duration.ZERO, Optional.empty())));
    tree.process().exit().thenRun(() -> end(rc, EndReason.EXITED));
    if (task.future.isCancelled()) {
      end(rc, EndReason.CANCELLED);
    } else if (isClosed()) {
      end(rc, EndReason.POOL_CLOSED);
    }
  }

  // ---------------------------------------------------------------- supervision

  private long lowestPidFloor() {
    long floor = Long.MAX_VALUE;
    for (RunningCommand rc : running) {
      floor = Math.min(floor, rc.tree.pidFloor());
    }
    return floor;
  }

  /** Housekeeper tick: one table, every running tree checked against its limit and deadline. */
  private void onTick(ProcessTable table) {
    for (RunningCommand rc : running) {
      if (rc.tree.lifecycle().state() != WorkerState.BUSY) {
        continue;
      }
      long limit = rc.task.memoryLimit.toBytes();
      TreeMeter.Reading reading = rc.tree.sample(table, limit);
      Optional<SupervisedTree.KernelBreach> kernel = rc.tree.kernelBreach();
      if (kernel.isPresent()) {
        rc.breach = kernel.get().reading();
        end(rc, kernel.get().reason());
      } else if (reading.bytes() > limit) {
        rc.breach = reading;
        end(rc, EndReason.MEMORY_LIMIT);
      } else if (reading.processCount() > settings.maxProcesses()) {
        rc.breach = reading;
        end(rc, EndReason.PROCESS_LIMIT);
      } else if (rc.tree.age().compareTo(rc.task.timeout) > 0) {
        end(rc, EndReason.TIMEOUT);
      }
    }
  }

  /** Claims the end of {@code rc}'s tree for {@code reason}; the first claim wins. */
  private void end(RunningCommand rc, EndReason given) {
    EndReason reason = given;
    if (reason == EndReason.EXITED) {
      // A root the kernel killed at the tree's memory limit died of that limit, not by itself.
      Optional<SupervisedTree.KernelBreach> breach = rc.tree.kernelBreach();
      if (breach.isPresent()) {
        rc.breach = breach.get().reading();
        reason = breach.get().reason();
      }
    }
    if (!rc.tree.lifecycle().stop(reason)) {
      return;
    }
    EndReason claimed = reason;
    if (claimed == EndReason.EXITED && PoolThreads.isIoThread()) {
      finish(rc, claimed); // already on the exit waiter, a pool I/O thread: no hand-off
    } else {
      io.execute(() -> finish(rc, claimed));
    }
  }

  /** Runs on an I/O thread: ends the tree, then completes the future and frees the slot. */
  private void finish(RunningCommand rc, EndReason reason) {
    SupervisedTree tree = rc.tree;
    Duration ran = tree.age();
    Duration grace =
        TeardownGrace.skippedFor(reason) ? Duration.ZERO : settings.terminationGrace();
    TeardownReport report;
    try {
      report = tree.end(grace);
    } catch (RuntimeException e) {
      log.error("[{}] teardown of {} failed", settings.name(), tree.workerId(), e);
      report = new TeardownReport(0, List.of(), Duration.ZERO);
    }
    report = report.and(rc.awaitOutput(grace));
    ExitStatus exit = rc.awaitExit();
    tree.release();
    running.remove(rc);

    if (rc.breach != null) {
      tree.recordBreach(rc.breach);
    }
    WorkerDetails details = tree.details(reason == EndReason.EXITED ? exit : null,
        rc.stderr.captured().lastLines(STDERR_LINES_IN_MESSAGES));
    CommandOutcome outcome = CommandOutcome.of(settings, rc, reason, exit, details,
        reason == EndReason.EXITED ? report.ended() : 0, ran, drain.closedBy());
    if (!report.isComplete()) {
      log.error("[{}] {} processes of task '{}' survived teardown: {}", settings.name(),
          report.survivors().size(), rc.task.label(), report.survivors());
    }
    outcome.completeFuture(rc.task.future);
    events.fire(l -> l.workerEnded(new WorkerEvent(settings.name(), tree.workerId(),
        rc.task.label(), tree.process().pid(), tree.tempDirectory(), Optional.of(reason),
        Optional.of(details))));
    ended(rc.task, tree.workerId(), ran);
    // Last: close() returns once every slot is free, and by then every future is complete.
    release();
  }

  /**
   * Memory is short: by the policy, {@code task} fails at once (SHED) or goes back to the head
   * of the queue with its slot freed, to start when memory is available again.
   */
  private void holdForMemory(CommandTask task, MemoryBudget budget) {
    if (admission.policy() == MemoryPressurePolicy.SHED) {
      InsufficientMemoryException failure = new InsufficientMemoryException(
          admission.shedMessage(task.label(), budget), budget);
      admission.report(budget, true, "shed task '" + task.label() + "'");
      task.future.completeExceptionally(failure);
      ended(task, null, Duration.ZERO);
      release();
      return;
    }
    lock.lock();
    try {
      queue.addFirst(task);
      active--;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (heldForMemory.compareAndSet(false, true)) {
      admission.report(budget, true, "holding queued tasks until memory is available");
      scheduleMemoryRecheck();
    }
  }

  /** Looks at memory again after a sample interval; resumes held tasks once it is available. */
  private void scheduleMemoryRecheck() {
    try {
      timer.schedule(() -> {
        if (admission.pressure().isPresent() && !isClosed()) {
          scheduleMemoryRecheck();
          return;
        }
        heldForMemory.set(false);
        List<CommandTask> resumed = new ArrayList<>();
        lock.lock();
        try {
          while (!closed && active < settings.workers() && !queue.isEmpty()) {
            active++;
            resumed.add(queue.poll());
          }
        } finally {
          lock.unlock();
        }
        for (CommandTask t : resumed) {
          spawner.execute(() -> start(t));
        }
      }, settings.sampleInterval().toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // the pool is closing: its queue is failed by close()
    }
  }

  /** Frees one slot and starts the next queued task in it. */
  private void release() {
    CommandTask next;
    boolean lastOfClosedPool;
    lock.lock();
    try {
      next = closed ? null : queue.poll();
      if (next == null) {
        active--;
      }
      lastOfClosedPool = closed && active == 0;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (lastOfClosedPool && closedWithoutWaiting) {
      threads.stop(); // close() was called on a pool thread and did not wait
    }
    if (next != null) {
      CommandTask task = next;
      spawner.execute(() -> start(task));
    }
  }

  /**
   * Reports the task's one end, as its future ended; a cancelled task's end is reported once
   * its tree is gone (or at once, if it never started).
   */
  private void ended(CommandTask task, String workerId, Duration ran) {
    if (task.markEnded()) {
      events.taskEnded(task.label(), task.future, workerId, ran);
    }
    drain.ended(task);
  }


  // ---------------------------------------------------------------- observation and close

  private int snapshotActive() {
    lock.lock();
    try {
      return active;
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  private String countsLocked() {
    return "pool '" + settings.name() + "': active=" + active + "/" + settings.workers()
        + ", queued=" + queue.size() + "/" + settings.queueCapacity() + ", closed=" + closed;
  }

  public PoolSnapshot snapshot() {
    List<WorkerSnapshot> workers = new ArrayList<>();
    for (RunningCommand rc : running) {
      workers.add(rc.tree.snapshot());
    }
    // Read before the pool's lock: the lifeline's monitor may be held through a watchdog's start.
    LifelineStatus lifeline = Lifeline.get().status();
    lock.lock();
    try {
      return new PoolSnapshot(settings.name(), containment.name(), settings.workers(), active,
          queue.size(), settings.queueCapacity(), closed, workers, admission.budget(),
          lifeline);
    } finally {
      lock.unlock();
    }
  }

  /** Stops intake; running and queued tasks go on, and the pool closes once they have ended. */
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
    List<CommandTask> dropped;
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        dropped = new ArrayList<>(queue);
        queue.clear();
      } else {
        dropped = List.of();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (CommandTask task : dropped) {
      refuse(task, new PoolClosedException("pool '" + settings.name() + "' "
          + drain.closedBy() + " before queued task '" + task.label() + "' started"));
    }
    for (RunningCommand rc : running) {
      end(rc, EndReason.POOL_CLOSED);
    }
    if (threads.isPoolThread()) {
      // Called from a callback or listener on one of the pool's own threads: waiting here
      // would wait for this very thread. The last slot to free finishes the shutdown.
      closedWithoutWaiting = true;
      if (snapshotActive() == 0) {
        threads.stop();
      }
      log.debug("[{}] close() on a pool thread: not waiting for the trees to end", settings.name());
      return;
    }
    lock.lock();
    try {
      while (active > 0) {
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
    threads.stop();
  }
}
