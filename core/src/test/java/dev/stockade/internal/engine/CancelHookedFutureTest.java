package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The caller's future: cancelling it reaches the pool once, and waiting on it — spinning first
 * or not — behaves as {@link java.util.concurrent.CompletableFuture} promises.
 */
@Timeout(10)
class CancelHookedFutureTest {
  private static final long SPIN = 50_000;

  private final ScheduledExecutorService completer = Executors.newSingleThreadScheduledExecutor();
  private final List<Boolean> hookCalls = new ArrayList<>();

  @AfterEach
  void stopCompleter() {
    completer.shutdownNow();
  }

  private CancelHookedFuture<String> spinning() {
    return new CancelHookedFuture<>(hookCalls::add, SPIN);
  }

  @Test
  void getReturnsAValueThatArrivesLongAfterTheSpin() throws Exception {
    CancelHookedFuture<String> future = spinning();
    completer.schedule(() -> future.complete("late"), 200, TimeUnit.MILLISECONDS);

    assertThat(future.get()).isEqualTo("late");
  }

  @Test
  void getReturnsAValueCompletedDuringTheSpin() throws Exception {
    CancelHookedFuture<String> future = spinning();
    completer.execute(() -> future.complete("soon"));

    assertThat(future.get()).isEqualTo("soon");
  }

  @Test
  void joinReturnsTheValueAndWrapsAFailure() {
    CancelHookedFuture<String> done = spinning();
    completer.schedule(() -> done.complete("joined"), 50, TimeUnit.MILLISECONDS);
    CancelHookedFuture<String> failed = spinning();
    completer.schedule(
        () -> failed.completeExceptionally(new IllegalStateException("boom")),
        50, TimeUnit.MILLISECONDS);

    assertThat(done.join()).isEqualTo("joined");
    assertThatThrownBy(failed::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTimedGetShorterThanTheSpinStillTimesOut() {
    CancelHookedFuture<String> future = spinning();

    long start = System.nanoTime();
    assertThatThrownBy(() -> future.get(1, TimeUnit.MICROSECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
  }

  @Test
  void aTimedGetLongerThanTheSpinWaitsForTheRest() throws Exception {
    CancelHookedFuture<String> future = spinning();
    completer.schedule(() -> future.complete("in time"), 100, TimeUnit.MILLISECONDS);

    assertThat(future.get(5, TimeUnit.SECONDS)).isEqualTo("in time");
  }

  @Test
  void anInterruptedCallerStopsWaiting() {
    CancelHookedFuture<String> future = spinning();
    Thread.currentThread().interrupt();

    assertThatThrownBy(future::get).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).as("interrupt status is consumed by get").isFalse();
  }

  @Test
  void cancellingTellsTheHookOnceWithTheInterruptFlag() {
    CancelHookedFuture<String> future = spinning();

    assertThat(future.cancel(true)).isTrue();
    assertThat(future.cancel(false)).as("CompletableFuture: true once cancelled").isTrue();

    assertThat(hookCalls).containsExactly(true);
  }

  @Test
  void cancellingADependentStageDoesNotReachTheHook() {
    CancelHookedFuture<String> future = spinning();

    assertThat(future.thenApply(String::length).cancel(true)).isTrue();

    assertThat(hookCalls).isEmpty();
    assertThat(future).isNotDone();
  }
}
