package dev.stockade.internal.workers;

import static dev.stockade.internal.workers.WorkerFixtures.SECOND;
import static dev.stockade.internal.workers.WorkerFixtures.T0;
import static dev.stockade.internal.workers.WorkerFixtures.running;
import static dev.stockade.internal.workers.WorkerFixtures.servingLife;
import static dev.stockade.internal.workers.WorkerFixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.EndReason;
import dev.stockade.HealthCheck;
import dev.stockade.internal.workers.HealthJudge.Action;
import dev.stockade.internal.workers.HealthJudge.Round;
import dev.stockade.internal.workers.HealthJudge.Verdict;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The judge's decisions about a live worker, at chosen instants: what it keeps, pings, retires and
 * ends, and why. No process is started and no clock is read.
 */
class HealthJudgeTest {
  private static final long MIB = 1 << 20;
  private static final long SMALL = 10 * MIB;
  private static final int MANY = 4;

  private final AtomicLong nonces = new AtomicLong(40);
  private final HealthJudge judge =
      new HealthJudge(settings(Optional.empty()), nonces::incrementAndGet);

  @Test
  void anIdleWorkerWithinEveryLimitIsKept() {
    WorkerLife life = servingLife();

    Verdict verdict = judge.tick(life, SMALL, MANY, T0 + SECOND);

    assertThat(verdict.action()).isEqualTo(Action.KEEP);
    assertThat(life.phase()).isEqualTo(WorkerPhase.SERVING);
  }

  @Test
  void anIdleWorkerOverItsSoftMemoryLimitRetiresAsRecycled() {
    WorkerLife life = servingLife();

    Verdict verdict = judge.tick(life, 101 * MIB, MANY, T0 + SECOND);

    assertThat(verdict.action()).isEqualTo(Action.RETIRE);
    assertThat(life.retirement().reason()).isEqualTo(EndReason.RECYCLED);
    assertThat(life.retirement().because()).contains("over the soft limit of 100.0 MiB");
  }

  @Test
  void aBusyWorkerOverItsSoftMemoryLimitFinishesItsTaskFirst() {
    WorkerLife life = servingLife();
    running(life, Duration.ofMinutes(1), T0);

    Verdict verdict = judge.tick(life, 101 * MIB, MANY, T0 + SECOND);

    assertThat(verdict.action()).isEqualTo(Action.KEEP);
    assertThat(life.phase()).isEqualTo(WorkerPhase.RETIRING);
    assertThat(life.isAvailable(1)).isFalse();
  }

  @Test
  void aWorkerOlderThanItsMaximumAgeIsDueToRetire() {
    WorkerLife life = servingLife(Long.MAX_VALUE, 20 * SECOND);

    Verdict young = judge.tick(life, SMALL, MANY, T0 + 20 * SECOND);
    Verdict old = judge.tick(life, SMALL, MANY, T0 + 20 * SECOND + 1);

    assertThat(young.action()).isEqualTo(Action.KEEP);
    assertThat(old.action()).isEqualTo(Action.RETIRE);
    assertThat(life.retirement().because()).isEqualTo("it is older than maxWorkerAge");
  }

  @Test
  void aTaskPastItsTimeoutEndsItsWorker() {
    WorkerLife life = servingLife();
    running(life, Duration.ofSeconds(10), T0);

    Verdict within = judge.tick(life, SMALL, MANY, T0 + 10 * SECOND);
    Verdict past = judge.tick(life, SMALL, MANY, T0 + 10 * SECOND + 1);

    assertThat(within.action()).isEqualTo(Action.KEEP);
    assertThat(past.action()).isEqualTo(Action.END);
    assertThat(past.endReason()).isEqualTo(EndReason.TIMEOUT);
  }

  @Test
  void aTaskSilentPastTheProgressTimeoutEndsItsWorker() {
    WorkerLife life = servingLife();
    Attempt attempt = running(life, Duration.ofMinutes(5), T0);
    attempt.lastProgressNanos = T0 + 30 * SECOND;

    Verdict heard = judge.tick(life, SMALL, MANY, T0 + 50 * SECOND);
    Verdict silent = judge.tick(life, SMALL, MANY, T0 + 51 * SECOND);

    assertThat(heard.action()).isEqualTo(Action.KEEP);
    assertThat(silent.endReason()).isEqualTo(EndReason.PROGRESS_TIMEOUT);
  }

  @Test
  void aCancelledTaskThatDidNotAnswerWithinItsGraceEndsItsWorker() {
    WorkerLife life = servingLife();
    Attempt attempt = running(life, Duration.ofMinutes(5), T0);
    attempt.cancelDeadlineNanos = T0 + 5 * SECOND;

    Verdict inGrace = judge.tick(life, SMALL, MANY, T0 + 5 * SECOND);
    Verdict late = judge.tick(life, SMALL, MANY, T0 + 5 * SECOND + 1);

    assertThat(inGrace.action()).isEqualTo(Action.KEEP);
    assertThat(late.endReason()).isEqualTo(EndReason.CANCELLED);
  }

  @Test
  void aWorkerWhoseHandlerOutlivesItsCancelledAnswerIsEndedAfterTheGrace() {
    WorkerLife life = servingLife();
    long ping = life.confirmAfterCancel(T0, 7);

    Verdict inGrace = judge.tick(life, SMALL, MANY, T0 + 5 * SECOND);
    Verdict late = judge.tick(life, SMALL, MANY, T0 + 5 * SECOND + 1);

    assertThat(ping).isEqualTo(7);
    assertThat(inGrace.action()).isEqualTo(Action.KEEP);
    assertThat(late.endReason()).isEqualTo(EndReason.CANCELLED);
  }

  @Test
  void anIdleWorkerBeyondMinIdleRetiresAfterTheIdleTimeout() {
    WorkerLife life = servingLife();
    life.lastHealthCheckNanos = T0 + 59 * SECOND; // no ping due in between

    Verdict before = judge.tick(life, SMALL, 2, T0 + 60 * SECOND);
    Verdict after = judge.tick(life, SMALL, 2, T0 + 60 * SECOND + 1);

    assertThat(before.action()).isEqualTo(Action.KEEP);
    assertThat(after.action()).isEqualTo(Action.RETIRE);
    assertThat(life.retirement().reason()).isEqualTo(EndReason.IDLE_TIMEOUT);
  }

  @Test
  void theLastWorkersWithinMinIdleStayHoweverLongTheyIdle() {
    WorkerLife life = servingLife();

    Verdict verdict = judge.tick(life, SMALL, 1, T0 + 3600 * SECOND);

    assertThat(verdict.action()).isNotEqualTo(Action.RETIRE);
    assertThat(life.retirement()).isNull();
  }

  @Test
  void anIdleWorkerIsPingedOncePerHealthCheckInterval() {
    WorkerLife life = servingLife();

    Verdict early = judge.tick(life, SMALL, 1, T0 + 30 * SECOND);
    Verdict due = judge.tick(life, SMALL, 1, T0 + 31 * SECOND);
    Verdict again = judge.tick(life, SMALL, 1, T0 + 32 * SECOND);

    assertThat(early.action()).isEqualTo(Action.KEEP);
    assertThat(due.action()).isEqualTo(Action.PING);
    assertThat(due.pingNonce()).isEqualTo(41);
    assertThat(due.probe()).isFalse();
    assertThat(again.action()).isEqualTo(Action.KEEP); // its PONG is still awaited
  }

  @Test
  void aRoundWithAProbeRunsTheCallersCheck() {
    HealthCheck check = snapshot -> true;
    HealthJudge probing = new HealthJudge(settings(Optional.of(check)), nonces::incrementAndGet);
    WorkerLife life = servingLife();

    Verdict due = probing.tick(life, SMALL, 1, T0 + 31 * SECOND);

    assertThat(due.action()).isEqualTo(Action.PING);
    assertThat(due.probe()).isTrue();
    assertThat(life.roundOpen()).isTrue();
  }

  @Test
  void aPongLaterThanTheHealthCheckTimeoutFailsTheRound() {
    WorkerLife life = servingLife();
    judge.tick(life, SMALL, 1, T0 + 31 * SECOND);

    Verdict late = judge.tick(life, SMALL, 1, T0 + 36 * SECOND + 1);

    assertThat(late.round()).isEqualTo(Round.FAILED);
    assertThat(life.healthFailures).isEqualTo(1);
    assertThat(life.retirement()).isNull();
  }

  @Test
  void threeFailedRoundsInARowRetireTheWorker() {
    WorkerLife life = servingLife();
    long now = T0;
    for (int round = 1; round <= 3; round++) {
      now += 31 * SECOND;
      assertThat(judge.tick(life, SMALL, 1, now).action()).isEqualTo(Action.PING);
      now += 6 * SECOND;
      judge.tick(life, SMALL, 1, now);
    }

    assertThat(life.healthFailures).isEqualTo(3);
    assertThat(life.retirement().reason()).isEqualTo(EndReason.HEALTH_CHECK_FAILED);
    assertThat(judge.tick(life, SMALL, 1, now + SECOND).action()).isEqualTo(Action.RETIRE);
  }

  @Test
  void aPassedRoundClearsTheFailuresInARow() {
    WorkerLife life = servingLife();
    judge.tick(life, SMALL, 1, T0 + 31 * SECOND);
    judge.tick(life, SMALL, 1, T0 + 37 * SECOND); // failed
    Verdict ping = judge.tick(life, SMALL, 1, T0 + 68 * SECOND);

    assertThat(life.pong(ping.pingNonce())).isNull();
    assertThat(judge.concludeRound(life)).isEqualTo(Round.PASSED);
    assertThat(life.healthFailures).isZero();
  }

  @Test
  void aProbeThatSaysNoFailsTheRoundOnceThePongIsIn() {
    WorkerLife life = servingLife();
    life.startRound(9, T0, true);

    assertThat(life.pong(9)).isNull();
    assertThat(judge.concludeRound(life)).isEqualTo(Round.OPEN); // the probe is still out
    life.probeDone(false);
    assertThat(judge.concludeRound(life)).isEqualTo(Round.FAILED);
  }

  @Test
  void aWorkerThatServedItsShareOfTasksIsDueToRetire() {
    WorkerLife life = servingLife(3, Long.MAX_VALUE);
    life.tasksDone = 2;
    judge.answered(life);
    assertThat(life.retirement()).isNull();

    life.tasksDone = 3;
    judge.answered(life);

    assertThat(life.retirement().because()).isEqualTo("served 3 tasks");
  }
}
