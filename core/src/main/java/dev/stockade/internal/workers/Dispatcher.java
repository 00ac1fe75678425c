package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.WorkerState;
import dev.stockade.internal.engine.LogContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands queued tasks to workers: a worker takes tasks while it serves, up to its window ({@code
 * tasksInFlightPerWorker}) and its task limit, oldest task first; a worker that is idle and due to
 * retire (or whose pool closed or drained) retires here instead. With the window left to the pool,
 * a worker takes a task behind its running one only when no worker could take it otherwise (none
 * idle, none starting, none left to start), when enough tasks wait for every worker to take one,
 * and only up to its share of the outstanding tasks. Assignment happens under the pool's lock, the
 * writing of the TASK frames outside it ({@link Conversation}).
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final RealWorkerPool pool;
  private final boolean automatic;

  /** The fixed window; with the automatic one, its ceiling. */
  private final int window;

  Dispatcher(RealWorkerPool pool) {
    this.pool = pool;
    int setting = pool.settings.tasksInFlightPerWorker();
    this.automatic = setting == WorkerPoolSettings.AUTOMATIC_WINDOW;
    this.window = automatic ? WorkerPoolSettings.AUTOMATIC_MOST : setting;
  }

  /** Whether {@code worker} may take one more task now. */
  private boolean mayTakeLocked(PooledWorker worker) {
    if (!worker.life.isAvailable(window)) {
      return false;
    }
    if (!automatic || worker.life.isIdle()) {
      return true;
    }
    if (pool.queue.isEmpty() || pool.starter.pendingStartsLocked() > 0) {
      return false;
    }
    int serving = 0;
    int outstanding = pool.queue.size();
    for (PooledWorker w : pool.live) {
      WorkerPhase phase = w.life.phase();
      if (phase == WorkerPhase.STARTING || (phase == WorkerPhase.SERVING && w.life.isIdle())) {
        return false; // it takes the task soon, and without waiting behind another
      }
      if (phase == WorkerPhase.SERVING) {
        serving++;
        outstanding += w.life.inFlight.size();
      }
    }
    if (serving < pool.common.workers()) {
      return false; // a worker can still be started for it
    }
    if (pool.queue.size() < serving) {
      // Too few wait for every worker to take one: each goes to the first worker to free up, not
      // behind a running task that may be the slow one.
      return false;
    }
    int share = (outstanding + serving - 1) / serving;
    return worker.life.inFlight.size() < share;
  }

  /** Gives a worker tasks up to its window, or retires it if it is due to and idle. */
  void dispatch(PooledWorker worker) {
    boolean assigned = false;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      WorkerPhase phase = worker.life.phase();
      if (phase != WorkerPhase.SERVING && phase != WorkerPhase.RETIRING) {
        return;
      }
      boolean closed = pool.closedLocked();
      boolean drained = pool.drain.isShutdown() && pool.queue.isEmpty();
      Retirement retirement = worker.life.retirement();
      if (worker.life.isIdle() && (closed || drained || retirement != null)) {
        EndReason reason =
            closed || retirement == null ? EndReason.POOL_CLOSED : retirement.reason();
        // Claimed under the lock, so no task is assigned to it between the choice and the claim.
        if (pool.end(worker, reason) && log.isDebugEnabled()) {
          try (LogContext ignored = worker.logContext()) {
            log.debug(
                "[{}] retiring worker {}: {}",
                pool.name(),
                worker.id(),
                retirement == null ? reason : retirement.because());
          }
        }
        return;
      }
      while (!closed && mayTakeLocked(worker) && assignLocked(worker)) {
        assigned = true;
      }
    } finally {
      lock.unlock();
    }
    if (assigned) {
      pool.conversation.sendAssigned(worker);
    }
  }

  /** Hands queued tasks to every available worker (submissions may race for one worker). */
  void pumpQueue() {
    // Each worker once, in the order it was given tasks; no list while none was.
    List<PooledWorker> assignedTo = null;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      for (PooledWorker w : pool.live) {
        if (pool.queue.isEmpty() || pool.closedLocked()) {
          break;
        }
        boolean assigned = false;
        while (mayTakeLocked(w) && assignLocked(w)) {
          assigned = true;
        }
        if (assigned) {
          if (assignedTo == null) {
            assignedTo = new ArrayList<>(2);
          }
          assignedTo.add(w);
        }
      }
    } finally {
      lock.unlock();
    }
    if (assignedTo != null) {
      assignedTo.forEach(pool.conversation::sendAssigned);
    }
  }

  /** Takes the next live task off the queue for {@code worker}; false if there is none. */
  private boolean assignLocked(PooledWorker worker) {
    WorkerTask task;
    while ((task = pool.queue.poll()) != null && task.future().isDone()) {
      // cancelled or settled while it waited
    }
    if (task == null) {
      return false;
    }
    Attempt attempt = new Attempt(pool.nextTaskId(), task, System.nanoTime());
    worker.life.inFlight.addLast(attempt);
    worker.life.unsent.addLast(attempt);
    worker.stderr.assigned(task);
    task.worker = worker;
    if (worker.tree.lifecycle().state() == WorkerState.IDLE) {
      worker.tree.lifecycle().moveTo(WorkerState.BUSY);
    }
    pool.changed.signalAll();
    return true;
  }

  /** The idle worker whose tree holds the most memory, or null if none is idle. */
  PooledWorker largestIdleLocked() {
    PooledWorker largest = null;
    long largestBytes = -1;
    for (PooledWorker w : pool.live) {
      if (w.life.isAvailable(window) && w.life.isIdle() && !pool.closedLocked()) {
        long bytes = w.tree.snapshot().memoryNow().toBytes();
        if (bytes > largestBytes) {
          largest = w;
          largestBytes = bytes;
        }
      }
    }
    return largest;
  }

  /** Workers holding at least one task. */
  int busyLocked() {
    int n = 0;
    for (PooledWorker w : pool.live) {
      if (!w.life.isIdle()) {
        n++;
      }
    }
    return n;
  }

  /** Tasks the workers could take now or once started: each worker's window, less its load. */
  int freeSlotsLocked() {
    // The automatic window counts as one: tasks it sends early come off the queue's own room.
    int free = pool.common.workers() * (automatic ? 1 : window);
    for (PooledWorker w : pool.live) {
      free -= w.life.inFlight.size();
    }
    return free;
  }

  /** Workers that are not ending: serving, or starting. */
  int notEndingLocked() {
    int n = 0;
    for (PooledWorker w : pool.live) {
      if (!w.life.isEnding()) {
        n++;
      }
    }
    return n;
  }
}
