package dev.stockade.internal.pool;

import dev.stockade.Command;
import dev.stockade.CommandResult;
import dev.stockade.EndReason;
import dev.stockade.InsufficientMemoryException;
import dev.stockade.MemoryBudget;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.WorkerDetails;
import dev.stockade.WorkerEvent;
import dev.stockade.WorkerStartException;
import dev.stockade.WorkerState;
import dev.stockade.internal.engine.Admitted;
import dev.stockade.internal.engine.EndFailures;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.OutputTail;
import dev.stockade.internal.engine.PoolEngine;
import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.engine.TreeEnding;
import dev.stockade.internal.engine.Unawaited;
import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import dev.stockade.internal.os.Tags;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code CommandPool}, on the shared {@link PoolEngine}: each task takes a
 * slot at admission or waits in the queue, starts its own tree on the spawner thread, is held to
 * its deadline on every tick, and ends by the engine's one path — claim the end once, tear the tree
 * down, then complete the future. A slot is freed only when its tree is verified gone, so {@code
 * workers} bounds live trees, not running tasks.
 */
public final class RealCommandPool extends PoolEngine<CommandTask, RunningCommand> {
  private static final Logger log = LoggerFactory.getLogger(RealCommandPool.class);

  private final CommandPoolSettings settings;

  /** Set while tasks wait in the queue for memory; new tasks queue behind them. */
  private final AtomicBoolean heldForMemory = new AtomicBoolean();

  private final AtomicLong workerNumbers = new AtomicLong();

  /** Slots taken: trees alive or on their way to the spawner; guarded by the lock. */
  private int active;

  private RealCommandPool(CommandPoolSettings settings) {
    super(settings.common(), "CommandPool");
    this.settings = settings;
  }

  /** A pool, whole, with its threads started. */
  public static RealCommandPool start(CommandPoolSettings settings) {
    RealCommandPool pool = new RealCommandPool(settings);
    pool.startThreads(
        "queueCapacity="
            + pool.common.queueCapacity()
            + ", taskTimeout="
            + pool.common.taskTimeout().toMillis()
            + " ms");
    return pool;
  }

  // ---------------------------------------------------------------- admission

  public CompletableFuture<CommandResult> run(Command command) {
    Duration timeout = common.deadlineOf("command", command.label(), command.timeout());
    MemorySize limit = command.memoryLimit().orElse(common.memoryLimit());
    if (limit.toBytes() < PoolSettings.MIN_MEMORY_LIMIT_BYTES) {
      throw new IllegalArgumentException(
          "memoryLimit of command '"
              + command.label()
              + "' must be >= one page ("
              + PoolSettings.MIN_MEMORY_LIMIT_BYTES
              + " bytes), but was "
              + limit);
    }
    CommandTask task = new CommandTask(command, timeout, limit, tally, this::cancelled, callbacks);
    if (admit(task) == Admitted.TO_START) {
      spawner().execute(() -> start(task));
    }
    return task.future();
  }

  @Override
  protected boolean takeSlotLocked() {
    if (active < common.workers() && !heldForMemory.get()) {
      active++;
      return true;
    }
    return false;
  }

  @Override
  protected boolean slotFreeLocked() {
    return active < common.workers() && !heldForMemory.get();
  }

  @Override
  protected int queueRoomLocked() {
    return common.queueCapacity();
  }

  @Override
  protected String countsLocked() {
    return "pool '"
        + name()
        + "': active="
        + active
        + "/"
        + common.workers()
        + ", queued="
        + queue.size()
        + "/"
        + common.queueCapacity()
        + ", closed="
        + closedLocked();
  }

  @Override
  protected int aliveLocked() {
    return active;
  }

  private void cancelled(CommandTask task, boolean mayInterruptIfRunning) {
    if (dropIfWaiting(task)) {
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
    if (task.future().isDone()) {
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
      tree =
          SupervisedTree.start(
              name(),
              poolId,
              workerId,
              task.label(),
              containment.create(
                  Tags.workerTag(poolId, workerId),
                  new TreeLimits(task.memoryLimit.toBytes(), 0, common.maxProcesses())),
              launcher,
              common.memoryAccounting(),
              new SupervisedTree.Spec(
                  command.arguments(),
                  command.environment(),
                  command.directory().orElse(null),
                  true,
                  false),
              io());
    } catch (IOException | RuntimeException e) {
      // Anything at all: the slot must be freed and the future completed, or both leak.
      WorkerStartException failure =
          new WorkerStartException(
              "task '"
                  + task.label()
                  + "' could not start in pool '"
                  + name()
                  + "': "
                  + e.getMessage(),
              e);
      release();
      task.future().completeExceptionally(failure);
      ended(task, workerId, Duration.ZERO);
      return;
    }
    tree.lifecycle().moveTo(WorkerState.BUSY);
    RunningCommand rc =
        new RunningCommand(
            task,
            tree,
            OutputTail.drain(tree.process().stdout(), settings.outputLimitBytes(), io()),
            OutputTail.drain(tree.process().stderr(), settings.outputLimitBytes(), io()));
    live.add(rc);
    task.running = rc;
    treeStarted(tree);
    // Its run time counts from the launch, as its deadline does, however late this thread got here.
    task.markStarted(tree.launchNanos());
    events.taskStarted(task, workerId);
    Unawaited.logFailure(
        tree.process().exit().thenRun(() -> end(rc, EndReason.EXITED)),
        name(),
        "ending a tree that exited");
    if (task.future().isCancelled()) {
      end(rc, EndReason.CANCELLED);
    } else if (isClosed()) {
      end(rc, EndReason.POOL_CLOSED);
    }
  }

  // ---------------------------------------------------------------- supervision

  /** Beyond the limits every tree is held to: the task's deadline. */
  @Override
  protected void check(RunningCommand rc, long nowNanos) {
    if (rc.tree.age().compareTo(rc.task.timeout()) > 0) {
      end(rc, EndReason.TIMEOUT);
    }
  }

  /** Runs on an I/O thread: ends the tree, then completes the future and frees the slot. */
  @Override
  protected void finish(RunningCommand rc, EndReason reason) {
    try (LogContext ignored = LogContext.tree(name(), rc.tree.workerId(), rc.task)) {
      endAndSettle(rc, reason);
    }
  }

  private void endAndSettle(RunningCommand rc, EndReason reason) {
    SupervisedTree tree = rc.tree;
    Duration ran = tree.age();
    TreeEnding ending =
        tearDown(
            rc,
            reason,
            true,
            "task '" + rc.task.label() + "'",
            CompletableFuture.allOf(rc.stdout.drained(), rc.stderr.drained()),
            () -> {});
    live.remove(rc);
    WorkerDetails details =
        tree.details(
            reason == EndReason.EXITED ? ending.exit() : null,
            rc.stderr.captured().lastLines(STDERR_LINES_IN_MESSAGES));
    CommandOutcome outcome =
        CommandOutcome.of(
            settings.failOnNonZeroExit(),
            rc,
            reason,
            ending.exit(),
            details,
            reason == EndReason.EXITED ? ending.report().ended() : 0,
            EndFailures.Facts.of(this, rc, rc.task.label(), rc.task.timeout(), ran, details));
    // Counted before the future completes: a caller who saw its command end sees its tree's end.
    tally.workerEnded(reason);
    outcome.completeFuture(rc.task.future());
    events.fire(
        l ->
            l.workerEnded(
                new WorkerEvent(
                    name(),
                    tree.workerId(),
                    rc.task.label(),
                    tree.process().pid(),
                    tree.tempDirectory(),
                    Optional.of(reason),
                    Optional.of(details))));
    ended(rc.task, tree.workerId(), ran);
    // Last: close() returns once every slot is free, and by then every future is complete.
    release();
  }

  /**
   * Memory is short: by the policy, {@code task} fails at once (SHED) or goes back to the head of
   * the queue with its slot freed, to start when memory is available again.
   */
  private void holdForMemory(CommandTask task, MemoryBudget budget) {
    if (admission.policy() == MemoryPressurePolicy.SHED) {
      InsufficientMemoryException failure =
          new InsufficientMemoryException(admission.shedMessage(task.label(), budget), budget);
      admission.report(budget, true, "shed task '" + task.label() + "'");
      refuse(task, failure);
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
      Unawaited.schedule(
          timer(),
          common.sampleInterval().toNanos(),
          TimeUnit.NANOSECONDS,
          name(),
          "the memory recheck",
          () -> {
            if (admission.pressure().isPresent() && !isClosed()) {
              scheduleMemoryRecheck();
              return;
            }
            heldForMemory.set(false);
            List<CommandTask> resumed = new ArrayList<>();
            lock.lock();
            try {
              while (!closedLocked() && active < common.workers() && !queue.isEmpty()) {
                active++;
                resumed.add(queue.poll());
              }
            } finally {
              lock.unlock();
            }
            for (CommandTask t : resumed) {
              spawner().execute(() -> start(t));
            }
          });
    } catch (RejectedExecutionException closing) {
      // the pool is closing: its queue is failed by close()
    }
  }

  /** Frees one slot and starts the next queued task in it. */
  private void release() {
    CommandTask next;
    lock.lock();
    try {
      next = closedLocked() ? null : queue.poll();
      if (next == null) {
        active--;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    stopThreadsIfDone();
    if (next != null) {
      spawner().execute(() -> start(next));
    }
  }
}
