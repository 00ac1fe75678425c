package dev.stockade.internal.workers;

import static dev.stockade.internal.workers.WorkerFixtures.SECOND;
import static dev.stockade.internal.workers.WorkerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a pool may start a worker, at chosen instants: backoff after failures in a row, one start at
 * a time while recovering, and the circuit breaker over starts. No process is started.
 */
class StartPolicyTest {
  private static final long MILLI = 1_000_000L;

  private final List<CircuitBreaker.State> transitions = new ArrayList<>();
  private final StartPolicy policy =
      new StartPolicy(
          "judged",
          Duration.ofMillis(200),
          Duration.ofSeconds(30),
          3,
          Duration.ofSeconds(30),
          transition -> transitions.add(transition.getToState()));

  private static StartFailure failure(String why) {
    return new StartFailure(why, null, "");
  }

  @Test
  void aPoolWithoutFailuresStartsAtOnce() {
    assertThat(policy.tryStart(T0)).isTrue();
    assertThat(policy.isRecovering()).isFalse();
  }

  @Test
  void aFailedStartHoldsTheNextOneBackForTheBackoffWithItsJitter() {
    assertThat(policy.tryStart(T0)).isTrue();
    policy.startFailed(10 * MILLI, failure("exit 1"), T0);

    // 200 ms, give or take half of it
    assertThat(policy.tryStart(T0 + 99 * MILLI)).isFalse();
    assertThat(policy.tryStart(T0 + 301 * MILLI)).isTrue();
    assertThat(policy.isRecovering()).isTrue();
    assertThat(policy.lastStartFailed()).isTrue();
    assertThat(policy.lastFailureText()).contains("exit 1");
  }

  @Test
  void theBackoffGrowsWithFailuresInARowUpToItsLargestPause() {
    long now = T0;
    for (int i = 0; i < 12; i++) {
      policy.failed(now);
    }
    // 200 ms doubled eleven times is far past 30 s: the pause is 30 s, give or take half
    assertThat(policy.tryStart(now + 14 * SECOND)).isFalse();
    assertThat(policy.tryStart(now + 46 * SECOND)).isTrue();
  }

  @Test
  void aWorkerThatServedClearsTheBackoff() {
    policy.failed(T0);
    policy.failed(T0);

    policy.workerServed();

    assertThat(policy.isRecovering()).isFalse();
    assertThat(policy.tryStart(T0)).isTrue();
  }

  @Test
  void theBreakerOpensAfterThresholdFailedStartsInARowAndRefusesStarts() {
    long now = T0;
    for (int i = 0; i < 3; i++) {
      now += 60 * SECOND; // past any backoff
      assertThat(policy.tryStart(now)).isTrue();
      policy.startFailed(MILLI, failure("exit " + i), now);
    }

    assertThat(policy.isClosed()).isFalse();
    assertThat(policy.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(transitions).containsExactly(CircuitBreaker.State.OPEN);
    assertThat(policy.tryStart(now + 60 * SECOND)).isFalse();
  }

  @Test
  void oneStartThatSaysHelloKeepsTheBreakerClosed() {
    long now = T0;
    for (int i = 0; i < 5; i++) {
      now += 60 * SECOND;
      assertThat(policy.tryStart(now)).isTrue();
      if (i == 2) {
        policy.startSucceeded(MILLI);
      } else {
        policy.startFailed(MILLI, failure("exit " + i), now);
      }
    }

    assertThat(policy.isClosed()).isTrue();
    assertThat(transitions).isEmpty();
  }
}
