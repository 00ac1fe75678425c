package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.InsufficientMemoryException;
import dev.stockade.MemoryBudget;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.PoolUnhealthyException;
import dev.stockade.WorkerEvent;
import dev.stockade.internal.engine.PoolEngine;
import dev.stockade.internal.engine.SupervisedTree;
import dev.stockade.internal.engine.Unawaited;
import dev.stockade.internal.os.Tags;
import dev.stockade.internal.os.ContainmentStrategy.TreeLimits;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
 * Starts workers: as many as queued work, busy workers and {@code minIdle} call for, within
 * {@code workers}, no more than the {@link StartPolicy} (backoff, circuit breaker) allows, and
 * none while memory is short (the pressure policy decides for the waiting work then). Counts a
 * worker that ended before its HELLO as a failed start, and fails the queued tasks when no
 * worker can serve them.
 */
final class WorkerStarter {
  private static final Logger log = LoggerFactory.getLogger(WorkerStarter.class);

  private final RealWorkerPool pool;
  private final WorkerPoolSettings settings;
  private final StartPolicy starts;
  private final AtomicLong workerNumbers = new AtomicLong();
  private final AtomicBoolean recheckScheduled = new AtomicBoolean();
  /** Starts under way on the spawner; guarded by the pool's lock. */
  private int pendingStarts;

  WorkerStarter(RealWorkerPool pool) {
    this.pool = pool;
    this.settings = pool.settings();
    WorkerPoolSettings.Restarts restarts = settings.restarts();
    this.starts = new StartPolicy(settings.name(), restarts.backoffInitial(),
        restarts.backoffMax(), restarts.startFailureThreshold(), restarts.circuitOpenDuration(),
        this::breakerMoved);
  }

  int pendingStartsLocked() {
    return pendingStarts;
  }

  /**
   * False while the breaker is not closed, and while the last start failed and no worker
   * serves: then nothing the pool holds can run.
   */
  boolean isHealthy() {
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      return starts.isClosed() && !(starts.lastStartFailed() && !anyServingLocked());
    } finally {
      lock.unlock();
    }
  }

  /** A worker that said HELLO and is not ending. */
  private boolean anyServingLocked() {
    for (PooledWorker w : pool.live) {
      if (w.life.phase().isServing()) {
        return true;
      }
    }
    return false;
  }

  /** While the breaker is open, every submission is refused; under the lock. */
  RuntimeException refusalLocked(WorkerTask task) {
    return starts.isClosed() ? null : unhealthy("task '" + task.label() + "' refused");
  }

  private PoolUnhealthyException unhealthy(String what) {
    return new PoolUnhealthyException(what + ": pool '" + settings.name() + "' is unhealthy — "
        + "its circuit breaker is " + starts.state() + " after "
        + settings.restarts().startFailureThreshold() + " failed worker starts in a row (last: "
        + starts.lastFailureText() + "); it probes again every "
        + settings.restarts().circuitOpenDuration().toMillis() + " ms",
        starts.lastFailure() == null ? null : starts.lastFailure().exception(""));
  }

  void startSucceeded(long tookNanos) {
    starts.startSucceeded(tookNanos);
  }

  void workerServedLocked() {
    starts.workerServed();
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
      int wanted = Math.max(pool.drain.isShutdown() ? 0 : settings.minIdle(),
          busy + pool.queue.size());
      if ((!starts.isClosed() || starts.lastStartFailed()) && starting == 0) {
        // The breaker's probe, or after a failed start: the pool keeps one start going (after
        // the backoff) until a worker says HELLO, so health comes back without waiting for work.
        wanted = Math.max(wanted, notEnding + 1);
      }
      int room = pool.common.workers() - pool.live.size() - pendingStarts;
      int want = Math.min(room, wanted - notEnding - pendingStarts);
      if (starts.isRecovering()) {
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
          retired = pool.dispatcher().largestIdleLocked();
          if (retired != null) {
            retired.life.dueToRetire(new Retirement(EndReason.RECYCLED, "memory pressure: "
                + pressure.get().available() + " available, below minFreeMemory "
                + pool.common.minFreeMemory()));
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
      pool.admission.report(pressure.get(), true, "retired idle worker " + retired.id()
          + " (" + retired.tree.snapshot().memoryNow() + ")");
      pool.dispatcher().dispatch(retired); // an idle worker due to retire retires there
    }
    for (WorkerTask task : shed) {
      pool.refuse(task, new InsufficientMemoryException(
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
   * Backoff or an open breaker held a start back. With no worker alive there is no
   * housekeeper tick to try again, so the timer does.
   */
  private void scheduleRecheck() {
    if (!recheckScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      Unawaited.schedule(pool.timer(), pool.common.sampleInterval().toNanos(),
          TimeUnit.NANOSECONDS, settings.name(), "the start recheck", () -> {
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
      starts.unused();
      pool.stopThreadsIfDone();
      return;
    }
    String workerId = "w" + workerNumbers.incrementAndGet();
    WorkerPoolSettings.Launch launch = settings.launch();
    long memoryLimit = pool.common.memoryLimit().toBytes();
    SupervisedTree tree;
    long began = System.nanoTime();
    try {
      tree = SupervisedTree.start(settings.name(), pool.poolId, workerId, launch.label(),
          pool.containment.create(Tags.workerTag(pool.poolId, workerId), new TreeLimits(
              memoryLimit, settings.recycling().softMemoryLimit().toBytes(),
              pool.common.maxProcesses())), pool.launcher,
          pool.common.memoryAccounting(), new SupervisedTree.Spec(launch.arguments(),
              pool.workerEnvironment(), launch.directory(), true, true), pool.io());
    } catch (IOException | RuntimeException e) {
      StartFailure failure = new StartFailure("worker " + workerId + " of pool '"
          + settings.name() + "' could not start: " + e.getMessage(), e, "");
      log.warn("[{}] {}", settings.name(), failure.reason());
      lock.lock();
      try {
        pendingStarts--;
        long now = System.nanoTime();
        starts.startFailed(now - began, failure, now);
        pool.changed.signalAll();
      } finally {
        lock.unlock();
      }
      afterFailedStart();
      return;
    }
    long startNanos = System.nanoTime();
    WorkerPoolSettings.Recycling recycling = settings.recycling();
    WorkerLife life = new WorkerLife(startNanos, jittered(recycling.maxTasksPerWorker()),
        recycling.maxWorkerAge().map(age -> jittered(age.toNanos())).orElse(Long.MAX_VALUE));
    PooledWorker worker = new PooledWorker(tree,
        new WorkerConnection(tree.process().stdin(), tree.process().stdout(), startNanos),
        StderrLines.forward(tree.process().stderr(), settings.name(), workerId, pool.io()),
        life, memoryLimit);
    worker.stderr.onFailure(e -> pool.end(worker, EndReason.SUPERVISION_FAILED));
    lock.lock();
    try {
      pool.live.add(worker);
      pendingStarts--;
    } finally {
      lock.unlock();
    }
    pool.events.fire(l -> l.workerStarted(new WorkerEvent(settings.name(), workerId,
        launch.label(), tree.process().pid(), tree.tempDirectory(), Optional.empty(),
        Optional.empty())));
    pool.io().execute(() -> pool.conversation().read(worker));
    Unawaited.logFailure(tree.process().exit().thenRun(() -> pool.end(worker, EndReason.EXITED)),
        settings.name(), "ending a worker that exited");
    if (pool.isClosed()) {
      pool.end(worker, EndReason.POOL_CLOSED);
    }
  }

  /** {@code limit} lowered by a random share of up to {@code recycleJitter}; 0 means none. */
  private long jittered(long limit) {
    if (limit <= 0) {
      return Long.MAX_VALUE;
    }
    double cut = ThreadLocalRandom.current().nextDouble() * settings.recycling().recycleJitter();
    return Math.max(1, Math.round(limit * (1 - cut)));
  }

  private void breakerMoved(CircuitBreaker.StateTransition transition) {
    CircuitBreaker.State to = transition.getToState();
    if (to == CircuitBreaker.State.OPEN) {
      log.error("[{}] worker starts keep failing ({}); circuit breaker open: no worker starts "
          + "and submissions fail for {} ms, then one probe start", settings.name(),
          starts.lastFailureText(), settings.restarts().circuitOpenDuration().toMillis());
      // Called inside the breaker, under the pool's lock: futures are failed elsewhere.
      pool.io().execute(this::failQueuedIfNoWorkerCanServe);
    } else if (to == CircuitBreaker.State.CLOSED) {
      log.info("[{}] a worker started again; circuit breaker closed", settings.name());
    } else {
      log.info("[{}] circuit breaker {}", settings.name(), to);
    }
  }

  /**
   * Counts the end of {@code worker} against the start policy: one that ended before its
   * HELLO (the pool's close aside) is a failed start; one that served and then crashed, hung
   * or broke the protocol is a failure of the worker command. Under the lock.
   *
   * @return the failed start, or null
   */
  StartFailure workerEndedLocked(PooledWorker worker, EndReason reason, ExitStatus exit) {
    long now = System.nanoTime();
    if (!worker.life.saidHello() && reason != EndReason.POOL_CLOSED) {
      StartFailure failure = new StartFailure("worker " + worker.id() + " of pool '"
          + settings.name() + "' " + describeEarlyEnd(worker, reason, exit), null,
          worker.stderr.lastLines(PoolEngine.STDERR_LINES_IN_MESSAGES));
      starts.startFailed(now - worker.life.startNanos, failure, now);
      return failure;
    }
    if (!worker.life.saidHello()) {
      starts.unused();
    } else if (reason == EndReason.EXITED || reason == EndReason.HEARTBEAT_TIMEOUT
        || reason == EndReason.PROTOCOL_VIOLATION) {
      starts.failed(now);
    }
    return null;
  }

  private String describeEarlyEnd(PooledWorker worker, EndReason reason, ExitStatus exit) {
    String why = switch (reason) {
      case EXITED -> "exited before it said HELLO: " + exit;
      case START_TIMEOUT -> "said no HELLO within its start timeout of "
          + settings.liveness().startTimeout().toMillis() + " ms";
      case PROTOCOL_VIOLATION -> "broke the protocol before it said HELLO: "
          + worker.connection.violation();
      default -> "ended before it said HELLO: " + reason;
    };
    Object directory = settings.launch().directory() != null ? settings.launch().directory()
        : System.getProperty("user.dir");
    return why + " (program " + settings.launch().arguments().get(0) + ", directory "
        + directory + ")";
  }

  /**
   * After a start failed: with no worker serving, the queued tasks would wait for a start that
   * may never succeed, so they fail now with the start's failure (or, once the breaker is open,
   * as unhealthy); then the next start is planned, after the backoff.
   */
  void afterFailedStart() {
    failQueuedIfNoWorkerCanServe();
    maybeStartWorkers(); // with no worker alive there is no tick: this schedules the retry
  }

  /** With no worker serving and the last start failed, queued tasks fail with its failure. */
  private void failQueuedIfNoWorkerCanServe() {
    List<WorkerTask> dropped = new ArrayList<>();
    StartFailure cause;
    boolean breakerOpen;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      cause = starts.lastFailure();
      breakerOpen = !starts.isClosed();
      if ((breakerOpen || starts.lastStartFailed()) && !anyServingLocked()) {
        dropped.addAll(pool.queue);
        pool.queue.clear();
        pool.changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
    for (WorkerTask task : dropped) {
      pool.refuse(task, breakerOpen || cause == null
          ? unhealthy("queued task '" + task.label() + "' failed")
          : cause.exception("task '" + task.label() + "' was not run: "));
    }
  }
}
