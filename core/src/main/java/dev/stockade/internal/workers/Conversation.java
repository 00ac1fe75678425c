package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.TaskFailedException;
import dev.stockade.WorkerState;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.protocol.BatchPayloads;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.protocol.ProtocolViolation;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol as the pool speaks it with each worker (see docs/protocol.md): a reader per worker
 * checks every reply against what the worker may say now — HELLO first and once, an answer only for
 * the task it runs, a PONG only for the outstanding PING, nothing but answers after SHUTDOWN — and
 * turns it into the worker's next step; TASK frames are written in the order they were assigned.
 * Any reply out of turn is a violation, which ends that worker only.
 */
final class Conversation {
  private static final Logger log = LoggerFactory.getLogger(Conversation.class);

  private final RealWorkerPool pool;

  Conversation(RealWorkerPool pool) {
    this.pool = pool;
  }

  /** Reads {@code worker}'s replies for its whole life; call on an I/O thread. */
  void read(PooledWorker worker) {
    worker.connection.readReplies(
        pool.settings.maxFrameSize(),
        pool.callbacks,
        frame -> onReply(worker, frame),
        () -> pool.end(worker, EndReason.PROTOCOL_VIOLATION));
  }

  /** Handles one reply; returns a violation, or null. */
  private String onReply(PooledWorker worker, Frame frame) throws ProtocolViolation {
    FrameType type = frame.type();
    if (type.direction() == FrameType.Direction.TO_WORKER) {
      return "a " + type + " frame, which only the supervisor sends";
    }
    if (!worker.life.saidHello() && type != FrameType.HELLO) {
      return "the first frame must be HELLO, but was " + type;
    }
    if (worker.connection.shutdownSent
        && type != FrameType.HEARTBEAT
        && type != FrameType.RESULT
        && type != FrameType.ERROR
        && type != FrameType.BATCH_RESULT
        && type != FrameType.PROGRESS) {
      return "a " + type + " frame after SHUTDOWN";
    }
    return switch (type) {
      case HELLO -> hello(worker, Payloads.hello(frame.payload()));
      case HEARTBEAT -> null;
      case PROGRESS -> progress(worker, frame);
      case RESULT, ERROR, BATCH_RESULT -> {
        Attempt a = current(worker);
        if (a == null || a.id != frame.id()) {
          yield type + " for task " + frame.id() + ", but " + running(a);
        }
        yield type == FrameType.BATCH_RESULT
            ? batchOutcomes(worker, a, frame)
            : answer(worker, a, frame);
      }
      case PONG -> pong(worker, frame.id());
      default -> "unexpected " + type;
    };
  }

  private static String running(Attempt a) {
    return a == null ? "the worker runs no task" : "the worker runs task " + a.id;
  }

  private String hello(PooledWorker worker, Payloads.Hello hello) {
    if (worker.life.saidHello()) {
      return "a second HELLO";
    }
    if (hello.version() != Payloads.PROTOCOL_VERSION) {
      return "HELLO with protocol version "
          + hello.version()
          + ", but this supervisor speaks "
          + "version "
          + Payloads.PROTOCOL_VERSION
          + " only";
    }
    long now = System.nanoTime();
    long took = now - worker.life.startNanos;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      if (worker.life.phase() != WorkerPhase.STARTING) {
        return null; // its end was claimed meanwhile
      }
      worker.tree.lifecycle().moveTo(WorkerState.IDLE);
      worker.life.saidHello(now);
    } finally {
      lock.unlock();
    }
    pool.starter.health().startSucceeded(took);
    if (log.isDebugEnabled()) {
      try (LogContext ignored = worker.logContext()) {
        log.debug(
            "[{}] worker {} ready in {} ms: {} pid {}",
            pool.name(),
            worker.id(),
            TimeUnit.NANOSECONDS.toMillis(took),
            hello.runtime(),
            hello.pid());
      }
    }
    pool.dispatcher.dispatch(worker);
    return null;
  }

  private String progress(PooledWorker worker, Frame frame) throws ProtocolViolation {
    Payloads.text(frame.payload(), "PROGRESS note");
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      Attempt a = worker.life.current();
      if (a == null || a.id != frame.id()) {
        return "PROGRESS for task " + frame.id() + ", but " + running(a);
      }
      a.lastProgressNanos = System.nanoTime();
    } finally {
      lock.unlock();
    }
    return null;
  }

  /** The task {@code worker} runs now, read under the pool's lock; null if none. */
  private Attempt current(PooledWorker worker) {
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      return worker.life.current();
    } finally {
      lock.unlock();
    }
  }

  /** The answer to {@code a}, the task {@code worker} runs. */
  private String answer(PooledWorker worker, Attempt a, Frame frame) throws ProtocolViolation {
    if (frame.type() == FrameType.RESULT && a.task.isBatch()) {
      return "a RESULT for task " + a.id + ", which is a BATCH";
    }
    Object value = null;
    Payloads.ErrorReply error = null;
    if (frame.type() == FrameType.RESULT) {
      try {
        value = a.task.decoder.decode(frame.payload());
      } catch (Exception e) {
        return "its result for task '" + a.task.label() + "' could not be decoded: " + e;
      }
    } else {
      error = Payloads.error(frame.payload());
    }
    settle(worker, a, value, error);
    return null;
  }

  /**
   * Outcomes of {@code a}, the batch {@code worker} runs: checked against what it may answer next,
   * handed to the batch's sink, and, with its last input's, the batch's answer.
   */
  private String batchOutcomes(PooledWorker worker, Attempt a, Frame frame)
      throws ProtocolViolation {
    if (!a.task.isBatch()) {
      return "a BATCH_RESULT for task " + a.id + ", which is a TASK";
    }
    BatchPayloads.Outcomes outcomes = BatchPayloads.outcomes(frame.payload());
    if (outcomes.first() != a.covered) {
      return "a BATCH_RESULT for task "
          + a.id
          + " from input "
          + outcomes.first()
          + ", but its next unanswered input is "
          + a.covered;
    }
    if (outcomes.first() + outcomes.count() > a.task.inputs) {
      return "a BATCH_RESULT for task "
          + a.id
          + " covering inputs "
          + outcomes.first()
          + " to "
          + (outcomes.first() + outcomes.count() - 1)
          + ", but it has "
          + a.task.inputs;
    }
    for (int i = 0; i < outcomes.count(); i++) {
      if (outcomes.isFailure(i)) {
        Payloads.error(outcomes.body(i)); // a malformed failure is the worker's violation
      }
    }
    a.answeredInputs(outcomes.count(), System.nanoTime());
    a.task.batch.outcomes(worker.id(), outcomes);
    if (a.covered == a.task.inputs) {
      settle(worker, a, null, null);
    }
    return null;
  }

  /** The task {@code a} was answered: with {@code value}, or the handler's {@code error}. */
  private void settle(PooledWorker worker, Attempt a, Object value, Payloads.ErrorReply error) {
    // Before the next task counts as running: the lines this one wrote before its answer are its.
    worker.stderr.answered();
    long confirmPing;
    long now = System.nanoTime();
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      if (worker.life.current() != a) {
        return; // ended meanwhile, and the end already settled the task
      }
      confirmPing = answeredLocked(worker, a, now);
    } finally {
      lock.unlock();
    }
    Duration ran = Duration.ofNanos(a.ranNanos(now));
    if (error == null) {
      pool.settlement.succeeded(a.task, worker.id(), ran, value);
    } else {
      pool.settlement.failed(
          a.task,
          worker.id(),
          ran,
          new TaskFailedException(
              a.task.label(), worker.id(), error.type(), error.message(), error.trace()));
    }
    if (confirmPing != 0) {
      worker.connection.send(Frame.of(FrameType.PING, confirmPing)); // its PONG frees it
    }
    pool.dispatcher.dispatch(worker);
  }

  /**
   * {@code a}, the task {@code worker} ran, was answered: the next one runs, or the worker is idle.
   * A cancelled handler may still run after its answer: with nothing behind it, the worker takes no
   * new task before a PONG (with tasks queued behind it, their own deadlines watch the worker
   * instead).
   *
   * @return the nonce of a PING to send, or 0
   */
  private long answeredLocked(PooledWorker worker, Attempt a, long now) {
    WorkerLife life = worker.life;
    life.inFlight.pollFirst();
    a.task.worker = null;
    life.tasksDone++;
    pool.starter.health().workerServedLocked();
    Attempt next = life.current();
    long confirmPing = 0;
    if (next != null) {
      next.startRunning(now, pool.settings.liveness().cancelGrace().toNanos());
    } else {
      if (worker.tree.lifecycle().state() == WorkerState.BUSY) {
        worker.tree.lifecycle().moveTo(WorkerState.IDLE);
      }
      life.idleSinceNanos = now;
      if (a.wasCancelled() && !life.isEnding()) {
        confirmPing = life.confirmAfterCancel(now, pool.nextPingNonce());
      }
    }
    pool.judge.answered(life);
    return confirmPing;
  }

  private String pong(PooledWorker worker, long nonce) {
    boolean confirmed = false;
    HealthJudge.Round round = HealthJudge.Round.OPEN;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      String violation = worker.life.pong(nonce);
      if (violation != null) {
        return violation;
      }
      if (worker.life.phase() == WorkerPhase.CONFIRMING) {
        worker.life.confirmed();
        confirmed = true;
      } else {
        round = pool.judge.concludeRound(worker.life);
      }
    } finally {
      lock.unlock();
    }
    if (round == HealthJudge.Round.FAILED) {
      pool.healthProbe.roundFailed(worker);
    }
    if (confirmed) {
      pool.dispatcher.dispatch(worker);
    }
    return null;
  }

  /**
   * The caller cancelled a running task and may interrupt it: a CANCEL asks its worker to stop it
   * (a task sent behind the running one is answered as cancelled when its turn comes); with no
   * grace, or no pipe, the worker is ended at once.
   */
  void cancel(WorkerTask task) {
    Attempt running = null;
    boolean waiting = false;
    PooledWorker worker;
    ReentrantLock lock = pool.lock;
    lock.lock();
    try {
      worker = task.worker;
      if (worker != null) {
        for (Attempt a : worker.life.inFlight) {
          if (a.task == task) {
            running = a;
          }
        }
        waiting = running != null && running != worker.life.current();
        if (waiting) {
          running.cancelRequested = true; // its grace starts when it becomes the running one
        } else if (running != null) {
          // Before the CANCEL goes out: a runtime answers it at once, and its answer must find
          // the task marked cancelled, or the worker (its handler maybe still running) is
          // taken as free with no PING to confirm it.
          running.cancelDeadlineNanos =
              System.nanoTime() + pool.settings.liveness().cancelGrace().toNanos();
        }
      }
    } finally {
      lock.unlock();
    }
    if (running == null) {
      return;
    }
    // Its TASK goes out first (another thread may have taken it off the unsent list and be
    // about to write it): a CANCEL that overtook it would name a task the worker has not seen
    // yet, and be ignored.
    sendAssigned(worker);
    if (waiting) {
      // Sent but not started: the worker answers it as cancelled when its turn comes.
      worker.connection.send(Frame.of(FrameType.CANCEL, running.id));
    } else if (pool.settings.liveness().cancelGrace().isZero()
        || !worker.connection.send(Frame.of(FrameType.CANCEL, running.id))) {
      pool.end(worker, EndReason.CANCELLED);
    }
  }

  /**
   * Writes the worker's assigned tasks in the order they were assigned. Threads assign under the
   * pool's lock but write outside it; whichever thread writes, it writes them all in order, since
   * the worker answers in the order the TASKs reach it.
   */
  void sendAssigned(PooledWorker worker) {
    ReentrantLock lock = pool.lock;
    synchronized (worker.connection.sendOrder) {
      while (true) {
        Attempt a;
        lock.lock();
        try {
          a = worker.life.unsent.pollFirst();
        } finally {
          lock.unlock();
        }
        if (a == null) {
          return;
        }
        if (a.task.markStarted()) {
          pool.events.taskStarted(a.task, worker.id());
        }
        FrameType type = a.task.isBatch() ? FrameType.BATCH : FrameType.TASK;
        if (!worker.connection.send(Frame.of(type, a.id, a.task.payload()))) {
          // Its stdin is gone: it died (the exit will tell) or closed it, a violation.
          if (!exitsWithin(worker, Duration.ofSeconds(1))) {
            worker.connection.violated("it closed its stdin");
            pool.end(worker, EndReason.PROTOCOL_VIOLATION);
          }
          return;
        }
      }
    }
  }

  private static boolean exitsWithin(PooledWorker worker, Duration bound) {
    try {
      worker.tree.process().exit().get(bound.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
