package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.InsufficientMemoryException;
import dev.stockade.MemoryBudget;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.engine.Unawaited;
import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import dev.stockade.internal.os.Tags;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts workers: as many as queued work, busy workers and {@code minIdle} call for, within {@code
 * workers}, no more than the {@link StartPolicy} (backoff, circuit breaker) allows, and none while
 * memory is short (the pressure policy decides for the waiting work then). Counts a worker that
 * ended before its HELLO as a failed start, and fails the queued tasks when no worker can serve
 * them.
 */
final class WorkerStarter {
  private static final Logger log = LoggerFactory.getLogger(WorkerStarter.class);

  private final RealWorkerPool pool;
  private final WorkerPoolSettings settings;
  private final StartHealth health;
  private final AtomicLong workerNumbers = new AtomicLong();
  private final AtomicBoolean recheckScheduled = new AtomicBoolean();

  /** Starts under way on the spawner; guarded by the pool's lock. */
  private int pendingStarts;

  WorkerStarter(RealWorkerPool pool) {
    this.pool = pool;
    this.settings = pool.settings;
    this.health = new StartHealth(pool, this);
  }

  /** Whether workers can start, and what that means for the pool's tasks. */
  StartHealth health() {
    return health;
  }

  int pendingStartsLocked() {
    return pendingStarts;
  }

  /** Starts as many workers as queued work, busy workers and {@code minIdle} call for. */
  void maybeStartWorkers() {
    int toStart = 0;
    boolean blocked = false;
    Optional<MemoryBudget> pressure = pool.admission.pressure();
    List<WorkerTask> shed = new ArrayList<>();
    PooledWorker retired = null;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      if (pool.closedLocked() || pool.threads().isStopped()) {
        return;
      }
      int notEnding = 0;
      int busy = 0;
      int starting = pendingStarts;
      for (PooledWorker w : pool.live) {
        if (w.life.isEnding()) {
          continue;
        }
        notEnding++;
        if (!w.life.isIdle()) {
          busy++;
        }
        if (w.life.phase() == WorkerPhase.STARTING) {
          starting++;
        }
      }
      int wanted =
          Math.max(pool.drain.isShutdown() ? 0 : settings.minIdle(), busy + pool.queue.size());
      if ((!health.policy().isClosed() || health.policy().lastStartFailed()) && starting == 0) {
        // The breaker's probe, or after a failed start: the pool keeps one start going (after
        // the backoff) until a worker says HELLO, so health comes back without waiting for work.
        wanted = Math.max(wanted, notEnding + 1);
      }
      int room = pool.common.workers() - pool.live.size() - pendingStarts;
      int want = Math.min(room, wanted - notEnding - pendingStarts);
      if (health.policy().isRecovering()) {
        want = Math.min(want, starting == 0 ? 1 : 0); // after a failure, one start at a time
      }
      if (pressure.isPresent()) {
        // Memory is short: nothing starts; the policy decides for the work that waits.
        MemoryPressurePolicy policy = pool.admission.policy();
        if (policy == MemoryPressurePolicy.SHED && want > 0) {
          shed.addAll(pool.queue);
          pool.queue.clear();
          pool.changed.signalAll();
        } else if (policy == MemoryPressurePolicy.RECYCLE_LARGEST_IDLE) {
          retired = pool.dispatcher.largestIdleLocked();
          if (retired != null) {
            retired.life.dueToRetire(
                new Retirement(
                    EndReason.RECYCLED,
                    "memory pressure: "
                        + pressure.get().available()
                        + " available, below minFreeMemory "
                        + pool.common.minFreeMemory()));
          }
        }
        blocked = want > 0 || retired != null;
        want = 0;
      }
      long now = System.nanoTime();
      while (toStart < want && health.policy().tryStart(now)) {
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
      pool.admission.report(
          pressure.get(),
          true,
          "retired idle worker " + retired.id() + " (" + retired.tree.snapshot().memoryNow() + ")");
      pool.dispatcher.dispatch(retired); // an idle worker due to retire retires there
    }
    for (WorkerTask task : shed) {
      pool.refuse(
          task,
          new InsufficientMemoryException(
              pool.admission.shedMessage(task.label(), pressure.get()), pressure.get()));
    }
    if (!shed.isEmpty()) {
      pool.admission.report(pressure.get(), true, "shed " + shed.size() + " queued tasks");
    }
    for (int i = 0; i < toStart; i++) {
      pool.spawner().execute(this::startWorker);
    }
    if (blocked) {
      scheduleRecheck();
    }
  }

  /**
   * Backoff or an open breaker held a start back. With no worker alive there is no housekeeper tick
   * to try again, so the timer does.
   */
  private void scheduleRecheck() {
    if (!recheckScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      Unawaited.schedule(
          pool.timer(),
          pool.common.sampleInterval().toNanos(),
          TimeUnit.NANOSECONDS,
          settings.name(),
          "the start recheck",
          () -> {
            recheckScheduled.set(false);
            maybeStartWorkers();
          });
    } catch (RejectedExecutionException closing) {
      // the pool is closing: nothing more will start
    }
  }

  /** Runs on the spawner thread; a start slot and a breaker permission are already taken. */
  private void startWorker() {
    ReentrantLock lock = pool.lock;
    if (pool.isClosed()) {
      lock.lock();
      try {
        pendingStarts--;
        pool.changed.signalAll();
      } finally {
        lock.unlock();
      }
      health.policy().unused();
      pool.stopThreadsIfDone();
      return;
    }
    String workerId = "w" + workerNumbers.incrementAndGet();
    WorkerPoolSettings.Launch launch = settings.launch();
    long memoryLimit = pool.common.memoryLimit().toBytes();
    SupervisedTree tree;
    long began = System.nanoTime();
    try {
      tree =
          SupervisedTree.start(
              settings.name(),
              pool.poolId,
              workerId,
              launch.label(),
              pool.containment.create(
                  Tags.workerTag(pool.poolId, workerId),
                  new TreeLimits(
                      memoryLimit,
                      settings.recycling().softMemoryLimit().toBytes(),
                      pool.common.maxProcesses())),
              pool.launcher,
              pool.common.memoryAccounting(),
              new SupervisedTree.Spec(
                  launch.arguments(), pool.workerEnvironment, launch.directory(), true, true),
              pool.io());
    } catch (IOException | RuntimeException e) {
      StartFailure failure =
          new StartFailure(
              "worker "
                  + workerId
                  + " of pool '"
                  + settings.name()
                  + "' could not start: "
                  + e.getMessage(),
              e,
              "");
      try (LogContext ignored = LogContext.tree(settings.name(), workerId, null)) {
        log.warn("[{}] {}", settings.name(), failure.reason());
      }
      lock.lock();
      try {
        pendingStarts--;
        long now = System.nanoTime();
        health.policy().startFailed(now - began, failure, now);
        pool.changed.signalAll();
      } finally {
        lock.unlock();
      }
      health.afterFailedStart();
      return;
    }
    long startNanos = System.nanoTime();
    WorkerPoolSettings.Recycling recycling = settings.recycling();
    long maxTasks =
        recycling.maxTasksPerWorker().isPresent()
            ? jittered(recycling.maxTasksPerWorker().getAsInt())
            : Long.MAX_VALUE;
    WorkerLife life =
        new WorkerLife(
            startNanos,
            maxTasks,
            recycling.maxWorkerAge().map(age -> jittered(age.toNanos())).orElse(Long.MAX_VALUE));
    PooledWorker worker =
        new PooledWorker(
            tree,
            new WorkerConnection(tree.process().stdin(), tree.process().stdout(), startNanos),
            StderrLines.forward(tree.process().stderr(), settings.name(), workerId, pool.io()),
            life,
            memoryLimit,
            settings.liveness().heartbeatTimeout());
    worker.stderr.onFailure(e -> pool.end(worker, EndReason.SUPERVISION_FAILED));
    lock.lock();
    try {
      pool.live.add(worker);
      pendingStarts--;
    } finally {
      lock.unlock();
    }
    pool.treeStarted(tree);
    pool.io().execute(() -> pool.conversation.read(worker));
    Unawaited.logFailure(
        tree.process().exit().thenRun(() -> pool.end(worker, EndReason.EXITED)),
        settings.name(),
        "ending a worker that exited");
    if (pool.isClosed()) {
      pool.end(worker, EndReason.POOL_CLOSED);
    }
  }

  /** {@code limit} lowered by a random share of up to {@code recycleJitter}, never below 1. */
  private long jittered(long limit) {
    double cut = ThreadLocalRandom.current().nextDouble() * settings.recycling().recycleJitter();
    return Math.max(1, Math.round(limit * (1 - cut)));
  }
}
