package dev.stockade.internal.engine;

import dev.stockade.PoolClosedException;
import dev.stockade.PoolSaturatedException;
import java.time.Duration;

/**
 * How a pool takes a task in: into a slot of its own or its bounded queue, waiting for room up to
 * the pool's {@code admissionWait}; or not at all, saying why — shut down, closed, refused by the
 * pool ({@code refusalLocked}: an open circuit breaker), or full. The pool answers the questions of
 * room under its lock ({@code takeSlotLocked}, {@code queueRoomLocked}).
 */
final class QueueAdmission<T extends PoolTask<?>> {
  private final PoolEngine<T, ?> pool;

  QueueAdmission(PoolEngine<T, ?> pool) {
    this.pool = pool;
  }

  Admitted admit(T task) {
    PoolSettings common = pool.common;
    pool.lock.lock();
    try {
      long waitNanos = common.admissionWait().map(Duration::toNanos).orElse(0L);
      while (true) {
        RuntimeException refusal = refusalLocked(task);
        if (refusal != null) {
          pool.refuse(task, refusal);
          return Admitted.REFUSED;
        }
        if (pool.takeSlotLocked()) {
          pool.drain.accepted(task);
          return Admitted.TO_START;
        }
        if (pool.queue.size() < pool.queueRoomLocked()) {
          pool.queue.add(task);
          pool.drain.accepted(task);
          return Admitted.QUEUED;
        }
        if (waitNanos <= 0) {
          String waited =
              common.admissionWait().map(d -> " after waiting " + d.toMillis() + " ms").orElse("");
          pool.refuse(
              task,
              new PoolSaturatedException(
                  "task '"
                      + task.label()
                      + "' refused"
                      + waited
                      + ": every worker is busy and the queue is full ("
                      + pool.countsLocked()
                      + "); raise workers or queueCapacity, or submit more"
                      + " slowly"));
          return Admitted.REFUSED;
        }
        try {
          waitNanos = pool.changed.awaitNanos(waitNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          pool.refuse(
              task,
              new PoolSaturatedException(
                  "task '"
                      + task.label()
                      + "' refused: interrupted while waiting for room ("
                      + pool.countsLocked()
                      + ")"));
          return Admitted.REFUSED;
        }
      }
    } finally {
      pool.lock.unlock();
    }
  }

  /** Why {@code task} is refused whatever the room: shut down, closed, or the pool's reason. */
  private RuntimeException refusalLocked(T task) {
    if (pool.drain.isShutdown()) {
      return pool.drain.refusedAfterShutdown(task.label());
    }
    if (pool.closedLocked()) {
      return new PoolClosedException(
          "pool '" + pool.name() + "' is closed; task '" + task.label() + "' was not started");
    }
    return pool.refusalLocked(task);
  }
}
