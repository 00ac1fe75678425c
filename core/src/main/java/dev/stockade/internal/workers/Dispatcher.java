package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.WorkerState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands queued tasks to workers: a worker takes tasks while it serves, up to its window ({@code
 * tasksInFlightPerWorker}) and its task limit, oldest task first; a worker that is idle and due to
 * retire (or whose pool closed or drained) retires here instead. Assignment happens under the
 * pool's lock, the writing of the TASK frames outside it ({@link Conversation}).
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final RealWorkerPool pool;
  private final int window;

  Dispatcher(RealWorkerPool pool) {
    this.pool = pool;
    this.window = pool.settings.tasksInFlightPerWorker();
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
        if (pool.end(worker, reason)) {
          log.debug(
              "[{}] retiring worker {}: {}",
              pool.name(),
              worker.id(),
              retirement == null ? reason : retirement.because());
        }
        return;
      }
      while (!closed && worker.life.isAvailable(window) && assignLocked(worker)) {
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
    List<PooledWorker> assignedTo = new ArrayList<>();
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      for (PooledWorker w : pool.live) {
        if (pool.queue.isEmpty() || pool.closedLocked()) {
          break;
        }
        while (w.life.isAvailable(window) && assignLocked(w)) {
          assignedTo.add(w);
        }
      }
    } finally {
      lock.unlock();
    }
    for (PooledWorker w : new LinkedHashSet<>(assignedTo)) {
      pool.conversation.sendAssigned(w);
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
    int free = pool.common.workers() * window;
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
