package dev.stockade.internal.workers;

import static dev.stockade.internal.workers.WorkerFixtures.T0;
import static dev.stockade.internal.workers.WorkerFixtures.running;
import static dev.stockade.internal.workers.WorkerFixtures.servingLife;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.EndReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A worker's phases: the moves it may make, and what each phase lets it take. */
class WorkerLifeTest {
  private static final Retirement RECYCLED = new Retirement(EndReason.RECYCLED, "test");

  @Test
  void aStartingWorkerTakesNoTaskAndIsNotDueToRetire() {
    WorkerLife life = new WorkerLife(T0, Long.MAX_VALUE, Long.MAX_VALUE);

    life.dueToRetire(RECYCLED);

    assertThat(life.isAvailable(1)).isFalse();
    assertThat(life.saidHello()).isFalse();
    assertThat(life.retirement()).isNull();
  }

  @Test
  void aPhaseMovesOnlyAlongTheListedTransitions() {
    WorkerLife life = new WorkerLife(T0, Long.MAX_VALUE, Long.MAX_VALUE);

    assertThatThrownBy(() -> life.moveTo(WorkerPhase.RETIRING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a worker cannot move from STARTING to RETIRING");
    life.endClaimed();
    assertThatThrownBy(() -> life.moveTo(WorkerPhase.SERVING))
        .hasMessage("a worker cannot move from ENDING to SERVING");
  }

  @Test
  void aWorkerEndedBeforeItsHelloNeverSaidIt() {
    WorkerLife starting = new WorkerLife(T0, Long.MAX_VALUE, Long.MAX_VALUE);
    WorkerLife serving = servingLife();

    starting.endClaimed();
    serving.endClaimed();

    assertThat(starting.saidHello()).isFalse();
    assertThat(serving.saidHello()).isTrue();
  }

  @Test
  void aServingWorkerTakesTasksUpToItsWindowAndItsTaskLimit() {
    WorkerLife life = servingLife(2, Long.MAX_VALUE);
    assertThat(life.isAvailable(2)).isTrue();

    running(life, Duration.ofMinutes(1), T0);
    assertThat(life.isAvailable(1)).isFalse();
    assertThat(life.isAvailable(2)).isTrue();

    life.tasksDone = 1;
    assertThat(life.isAvailable(2)).isFalse(); // one done and one in flight: its limit of two
  }

  @Test
  void aConfirmingWorkerServesAgainAfterItsPong() {
    WorkerLife life = servingLife();

    long ping = life.confirmAfterCancel(T0, 5);
    assertThat(life.isAvailable(1)).isFalse();
    assertThat(life.pong(ping)).isNull();
    life.confirmed();

    assertThat(life.phase()).isEqualTo(WorkerPhase.SERVING);
    assertThat(life.isAvailable(1)).isTrue();
  }

  @Test
  void aWorkerDueToRetireWhileConfirmingRetiresAfterItsPong() {
    WorkerLife life = servingLife();
    long ping = life.confirmAfterCancel(T0, 5);

    life.dueToRetire(RECYCLED);
    assertThat(life.phase()).isEqualTo(WorkerPhase.CONFIRMING);
    life.pong(ping);
    life.confirmed();

    assertThat(life.phase()).isEqualTo(WorkerPhase.RETIRING);
  }

  @Test
  void aCancelWhileAHealthPingIsOutWaitsForThatPing() {
    WorkerLife life = servingLife();
    life.startRound(3, T0, false);

    long ping = life.confirmAfterCancel(T0, 5);

    assertThat(ping).isZero();
    assertThat(life.pong(3)).isNull();
  }

  @Test
  void aPongForAnotherPingBreaksTheProtocol() {
    WorkerLife life = servingLife();

    assertThat(life.pong(1)).isEqualTo("a PONG for ping 1, but no ping is outstanding");
    life.startRound(2, T0, false);
    assertThat(life.pong(1)).isEqualTo("a PONG for ping 1, but the outstanding ping is 2");
  }

  @Test
  void theFirstReasonToRetireIsTheOneReported() {
    WorkerLife life = servingLife();

    life.dueToRetire(RECYCLED);
    life.dueToRetire(new Retirement(EndReason.IDLE_TIMEOUT, "later"));

    assertThat(life.retirement()).isEqualTo(RECYCLED);
  }
}
