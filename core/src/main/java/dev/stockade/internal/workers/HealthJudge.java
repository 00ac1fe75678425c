package dev.stockade.internal.workers;

import dev.stockade.EndReason;
import dev.stockade.MemorySize;
import java.util.function.LongSupplier;

/**
 * The pool's decisions about a live worker that has said HELLO, as functions of what the pool knows
 * of it ({@link WorkerLife}) and of the time, which the caller passes in: whether to keep it, ping
 * it, retire it once idle, or end it now; when its recycling limits make it due to retire; and how
 * a health-check round counts. It starts no process and reads no clock, so every decision has a
 * unit test at any instant. Called under the pool's lock.
 */
final class HealthJudge {
  /** What to do with a worker after a tick. */
  enum Action {
    /** Nothing now. */
    KEEP,
    /** End it now, for {@link Verdict#endReason()}. */
    END,
    /** It is idle and due to retire: retire it now. */
    RETIRE,
    /** Start a health-check round: send {@link Verdict#pingNonce()}, and probe if asked. */
    PING
  }

  /** How a health-check round came out, when it concluded. */
  enum Round {
    /** Still under way, or none concluded. */
    OPEN,
    PASSED,
    /** Failed; {@link WorkerLife#healthFailures} in a row so far. */
    FAILED
  }

  /**
   * A tick's decision.
   *
   * @param action what to do
   * @param endReason why it ends, for {@code END}
   * @param pingNonce the PING to send, for {@code PING}
   * @param probe whether the caller's probe runs with the PING
   * @param round how a round that concluded in this tick came out
   */
  record Verdict(Action action, EndReason endReason, long pingNonce, boolean probe, Round round) {}

  private final WorkerPoolSettings settings;
  private final LongSupplier pingNonces;

  /**
   * @param pingNonces hands out the nonces of the pool's PINGs, none twice
   */
  HealthJudge(WorkerPoolSettings settings, LongSupplier pingNonces) {
    this.settings = settings;
    this.pingNonces = pingNonces;
  }

  /**
   * Judges a worker that is within its hard limits and not silent, at {@code now}.
   *
   * @param treeBytes its tree's memory, measured in this tick
   * @param notEnding how many workers of the pool are not ending (serving or starting)
   */
  Verdict tick(WorkerLife w, long treeBytes, int notEnding, long now) {
    WorkerPoolSettings.Liveness liveness = settings.liveness();
    WorkerPoolSettings.Recycling recycling = settings.recycling();
    if (treeBytes > recycling.softMemoryLimit().toBytes()) {
      w.dueToRetire(
          new Retirement(
              EndReason.RECYCLED,
              "its tree uses "
                  + MemorySize.ofBytes(treeBytes)
                  + ", over the soft limit of "
                  + recycling.softMemoryLimit()));
    }
    if (now - w.startNanos > w.maxAgeNanos) {
      w.dueToRetire(new Retirement(EndReason.RECYCLED, "it is older than maxWorkerAge"));
    }
    Round round = Round.OPEN;
    if (w.phase() == WorkerPhase.CONFIRMING) {
      if (now - w.pingSentNanos > liveness.cancelGrace().toNanos()) {
        return end(EndReason.CANCELLED, round); // its cancelled handler is still running
      }
    } else if (w.pingNonce != 0
        && now - w.pingSentNanos > liveness.healthCheckTimeout().toNanos()) {
      w.pingTimedOut();
      round = concludeRound(w);
    }
    Attempt a = w.current();
    if (a != null) {
      if (a.cancelDeadlineNanos != 0 && now - a.cancelDeadlineNanos > 0) {
        return end(EndReason.CANCELLED, round);
      }
      if (a.sinceClockNanos(now) > a.task.timeout().toNanos()) {
        return end(EndReason.TIMEOUT, round);
      }
      if (liveness.progressTimeout().isPresent()
          && now - a.lastProgressNanos > liveness.progressTimeout().get().toNanos()) {
        return end(EndReason.PROGRESS_TIMEOUT, round);
      }
      return new Verdict(Action.KEEP, null, 0, false, round);
    }
    if (w.retirement() != null) {
      return new Verdict(Action.RETIRE, null, 0, false, round);
    }
    if (now - w.idleSinceNanos > recycling.idleTimeout().toNanos()
        && notEnding > settings.minIdle()) {
      w.dueToRetire(new Retirement(EndReason.IDLE_TIMEOUT, "idle for more than idleTimeout"));
      return new Verdict(Action.RETIRE, null, 0, false, round);
    }
    if (!w.roundOpen()
        && w.phase() != WorkerPhase.CONFIRMING
        && now - w.lastHealthCheckNanos > liveness.healthCheckInterval().toNanos()) {
      boolean probe = liveness.healthCheck().isPresent();
      long nonce = pingNonces.getAsLong();
      w.startRound(nonce, now, probe);
      return new Verdict(Action.PING, null, nonce, probe, round);
    }
    return new Verdict(Action.KEEP, null, 0, false, round);
  }

  private static Verdict end(EndReason reason, Round round) {
    return new Verdict(Action.END, reason, 0, false, round);
  }

  /** After an answer: a worker that served its share of tasks is due to retire. */
  void answered(WorkerLife w) {
    if (w.tasksDone >= w.maxTasks) {
      w.dueToRetire(new Retirement(EndReason.RECYCLED, "served " + w.tasksDone + " tasks"));
    }
  }

  /**
   * Once the PONG and the probe of a round are both in, counts it: a passed round clears the
   * failures in a row; enough failed ones make the worker due to retire.
   */
  Round concludeRound(WorkerLife w) {
    if (w.roundOpen()) {
      return Round.OPEN;
    }
    if (!w.roundFailed) {
      w.healthFailures = 0;
      return Round.PASSED;
    }
    w.roundFailed = false;
    w.healthFailures++;
    if (w.healthFailures >= settings.liveness().healthCheckFailures()) {
      w.dueToRetire(
          new Retirement(
              EndReason.HEALTH_CHECK_FAILED, w.healthFailures + " failed health checks in a row"));
    }
    return Round.FAILED;
  }
}
