package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The caller's future: cancelling it reaches the pool once; waiting on it — spinning first or not —
 * behaves as {@link java.util.concurrent.CompletableFuture} promises; its dependents run on the
 * callback executor, never on the thread that settles it; and once settled it keeps nothing of its
 * task.
 */
@Timeout(10)
class TaskFutureTest {
  private static final long SPIN = 50_000;
  private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

  private final ScheduledExecutorService completer =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "settling-thread"));
  private final ExecutorService callbacks =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "callback-thread"));
  private final List<Boolean> hookCalls = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopThreads() {
    completer.shutdownNow();
    callbacks.shutdownNow();
  }

  private TaskFuture<String> spinning() {
    return new TaskFuture<>(hookCalls::add, callbacks, SPIN);
  }

  @Test
  void theSettlingHookHearsTheOneWinningOutcomeBeforeAnyoneCanSeeIt() throws Exception {
    ExecutorService racers = Executors.newFixedThreadPool(3);
    try {
      for (int round = 0; round < 500; round++) {
        List<String> heard = new CopyOnWriteArrayList<>();
        AtomicInteger visibleWhenHeard = new AtomicInteger();
        TaskFuture<String>[] holder = newHolder();
        holder[0] =
            new TaskFuture<>(
                hookCalls::add,
                callbacks,
                0,
                null,
                failure -> {
                  if (holder[0].isDone()) {
                    visibleWhenHeard.incrementAndGet();
                  }
                  heard.add(
                      failure == null
                          ? "value"
                          : failure instanceof CancellationException ? "cancelled" : "failure");
                });
        TaskFuture<String> future = holder[0];
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> runs = new ArrayList<>();
        runs.add(racers.submit(() -> awaitThen(go, () -> future.complete("v"))));
        runs.add(racers.submit(() -> awaitThen(go, () -> future.cancel(false))));
        runs.add(
            racers.submit(
                () ->
                    awaitThen(
                        go, () -> future.completeExceptionally(new IllegalStateException()))));
        go.countDown();
        for (var run : runs) {
          run.get();
        }

        assertThat(heard).hasSize(1);
        assertThat(visibleWhenHeard).hasValue(0);
        String visible =
            future.isCancelled()
                ? "cancelled"
                : future.isCompletedExceptionally() ? "failure" : "value";
        assertThat(heard.get(0)).isEqualTo(visible);
      }
    } finally {
      racers.shutdownNow();
    }
  }

  @SuppressWarnings("unchecked") // an array of the one generic type, to let the hook see the future
  private static TaskFuture<String>[] newHolder() {
    return (TaskFuture<String>[]) new TaskFuture<?>[1];
  }

  private static Object awaitThen(CountDownLatch go, Callable<?> action) throws Exception {
    go.await();
    return action.call();
  }

  @Test
  void aSecondCancelAnswersTrueOnlyWhenACancelWon() {
    TaskFuture<String> cancelled = spinning();
    assertThat(cancelled.cancel(false)).isTrue();
    assertThat(cancelled.cancel(false)).isTrue();
    TaskFuture<String> completed = spinning();
    completed.complete("v");
    assertThat(completed.cancel(false)).isFalse();
  }

  @Test
  void getReturnsAValueThatArrivesLongAfterTheSpin() throws Exception {
    TaskFuture<String> future = spinning();
    var unused = completer.schedule(() -> future.complete("late"), 200, TimeUnit.MILLISECONDS);

    assertThat(future.get()).isEqualTo("late");
  }

  @Test
  void getReturnsAValueCompletedDuringTheSpin() throws Exception {
    TaskFuture<String> future = spinning();
    completer.execute(() -> future.complete("soon"));

    assertThat(future.get()).isEqualTo("soon");
  }

  @Test
  void joinReturnsTheValueAndWrapsAFailure() {
    TaskFuture<String> done = spinning();
    var unused = completer.schedule(() -> done.complete("joined"), 50, TimeUnit.MILLISECONDS);
    TaskFuture<String> failed = spinning();
    var unusedFailure =
        completer.schedule(
            () -> failed.completeExceptionally(new IllegalStateException("boom")),
            50,
            TimeUnit.MILLISECONDS);

    assertThat(done.join()).isEqualTo("joined");
    assertThatThrownBy(failed::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aTimedGetShorterThanTheSpinStillTimesOut() {
    TaskFuture<String> future = spinning();

    long start = System.nanoTime();
    assertThatThrownBy(() -> future.get(1, TimeUnit.MICROSECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
  }

  @Test
  void aTimedGetLongerThanTheSpinWaitsForTheRest() throws Exception {
    TaskFuture<String> future = spinning();
    var unused = completer.schedule(() -> future.complete("in time"), 100, TimeUnit.MILLISECONDS);

    assertThat(future.get(5, TimeUnit.SECONDS)).isEqualTo("in time");
  }

  @Test
  void anInterruptedCallerStopsWaiting() {
    TaskFuture<String> future = spinning();
    Thread.currentThread().interrupt();

    assertThatThrownBy(future::get).isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).as("interrupt status is consumed by get").isFalse();
  }

  @Test
  void cancellingTellsTheHookOnceWithTheInterruptFlag() {
    TaskFuture<String> future = spinning();

    assertThat(future.cancel(true)).isTrue();
    assertThat(future.cancel(false)).as("CompletableFuture: true once cancelled").isTrue();

    assertThat(hookCalls).containsExactly(true);
  }

  @Test
  void cancellingADependentStageDoesNotReachTheHook() {
    TaskFuture<String> future = spinning();

    assertThat(future.thenApply(String::length).cancel(true)).isTrue();

    assertThat(hookCalls).isEmpty();
    assertThat(future).isNotDone();
  }

  @Test
  void dependentStagesRunOnTheCallbackExecutorNotOnTheSettlingThread() {
    TaskFuture<String> future = spinning();
    CompletableFuture<String> ranOn = future.thenApply(v -> Thread.currentThread().getName());
    CompletableFuture<String> relayedOn =
        CompletableFuture.allOf(future).thenApply(v -> Thread.currentThread().getName());
    CompletableFuture<String> combinedOn =
        new CompletableFuture<String>()
            .completeAsync(() -> "x", completer)
            .thenCombine(future, (a, b) -> Thread.currentThread().getName());

    var unused = completer.schedule(() -> future.complete("v"), 50, TimeUnit.MILLISECONDS);

    assertThat(ranOn.join()).isEqualTo("callback-thread");
    assertThat(relayedOn.join()).as("a relay of allOf").isEqualTo("callback-thread");
    assertThat(combinedOn.join()).as("another future's thenCombine").isEqualTo("callback-thread");
  }

  @Test
  void aWaitingCallerPublishesTheOutcomeToDependentsOnItsOwnThread() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    callbacks.execute(
        () -> {
          try {
            release.await(); // the callback executor is busy: only the waiter can publish
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    TaskFuture<String> future = spinning();
    CompletableFuture<String> ranOn = future.thenApply(v -> Thread.currentThread().getName());

    var unused = completer.schedule(() -> future.complete("settled"), 50, TimeUnit.MILLISECONDS);

    assertThat(future.get(5, TimeUnit.SECONDS)).isEqualTo("settled");
    assertThat(ranOn).isCompletedWithValue(Thread.currentThread().getName());
    release.countDown();
  }

  @Test
  void aCallerWaitingOnADependentStagePublishesAnOutcomeThatComesWithinTheSpin() {
    assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "no spinning on one processor");
    CountDownLatch release = new CountDownLatch(1);
    callbacks.execute(
        () -> {
          try {
            release.await(); // the callback executor is busy: only the waiter can publish
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    // A spin far longer than the settling takes, so the outcome surely comes within it.
    TaskFuture<String> future = new TaskFuture<>(hookCalls::add, callbacks, MINUTE);
    CompletableFuture<String> ranOn =
        future.thenApply(v -> v + " on " + Thread.currentThread().getName());

    completer.execute(() -> future.complete("settled"));

    assertThat(ranOn.join()).isEqualTo("settled on " + Thread.currentThread().getName());
    release.countDown();
  }

  @Test
  void aDependentThatCompletesWithoutTheTaskIsNotHeldUpByItsSpin() {
    TaskFuture<String> future = new TaskFuture<>(hookCalls::add, callbacks, MINUTE);
    CompletableFuture<String> dependent =
        future.thenApply(String::trim).orTimeout(100, TimeUnit.MILLISECONDS);

    // The task never settles; the class's 10 s timeout fails a join that waits out the spin.
    assertThatThrownBy(dependent::join).hasCauseInstanceOf(TimeoutException.class);
    CompletableFuture<String> other = new CompletableFuture<>();
    CompletableFuture<String> either = future.applyToEither(other, v -> v);
    completer.execute(() -> other.complete("other"));
    assertThat(either.join()).isEqualTo("other");
  }

  @Test
  void withNobodyWaitingTheCallbackExecutorPublishes() {
    CountDownLatch release = new CountDownLatch(1);
    callbacks.execute(
        () -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    TaskFuture<String> future = spinning();
    CompletableFuture<Integer> dependent = future.thenApply(String::length);

    future.complete("settled");

    assertThat(future).isDone();
    assertThat(dependent).as("published on the callback executor, which is busy").isNotDone();
    release.countDown();
    assertThat(dependent).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(7);
  }

  @Test
  void aStageAddedAfterPublicationRunsOnTheCallersThread() throws Exception {
    TaskFuture<String> future = spinning();
    future.complete("v");
    future.thenRun(() -> {}).get(5, TimeUnit.SECONDS); // published

    assertThat(future.thenApply(v -> Thread.currentThread()).join())
        .isSameAs(Thread.currentThread());
  }

  @Test
  void theFirstSettlementWinsAndACancelAfterItIsRefused() {
    TaskFuture<String> future = spinning();

    assertThat(future.complete("first")).isTrue();
    assertThat(future.completeExceptionally(new IllegalStateException())).isFalse();
    assertThat(future.cancel(true)).isFalse();

    assertThat(future.join()).isEqualTo("first");
    assertThat(hookCalls).isEmpty();
  }

  @Test
  void aCancelledFutureIsDoneAtOnceAndItsDependentsSeeTheCancellation() {
    TaskFuture<String> future = spinning();
    CompletableFuture<Boolean> sawCancellation =
        future.handle((v, t) -> t instanceof CancellationException);

    future.cancel(false);

    assertThat(future.isDone()).isTrue();
    assertThat(future.isCancelled()).isTrue();
    assertThatThrownBy(future::join).isInstanceOf(CancellationException.class);
    assertThat(sawCancellation.join()).isTrue();
  }

  @Test
  void aSettledFutureNoLongerHoldsItsHook() {
    Object taskState = new Object();
    WeakReference<Object> state = new WeakReference<>(taskState);
    TaskFuture<String> future = futureWhoseHookHolds(taskState);
    taskState = null;

    future.complete("done");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              System.gc();
              return state.get() == null;
            });
    assertThat(future.join()).isEqualTo("done");
  }

  private TaskFuture<String> futureWhoseHookHolds(Object taskState) {
    return new TaskFuture<>(new HookHolding(taskState), callbacks);
  }

  /** A hook that keeps a task's state reachable for as long as the future holds the hook. */
  private record HookHolding(Object taskState) implements TaskFuture.Hook {
    @Override
    public void cancelled(boolean mayInterruptIfRunning) {}
  }

  @Test
  void asyncStagesWithoutAnExecutorRunOnTheCallbackExecutor() {
    TaskFuture<String> future = spinning();
    future.complete("v");

    assertThat(future.thenApplyAsync(v -> Thread.currentThread().getName()).join())
        .isEqualTo("callback-thread");
  }

  /**
   * Waiters come and go (some time out just as the outcome arrives) while futures are settled from
   * another thread: every future is still published, and each dependent runs exactly once.
   */
  @Test
  void everySettledFutureIsPublishedOnceWhateverItsWaitersDo() throws Exception {
    int count = 2000;
    List<TaskFuture<String>> futures = new ArrayList<>();
    List<AtomicInteger> runs = new ArrayList<>();
    List<CompletableFuture<?>> dependents = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      TaskFuture<String> future = spinning();
      AtomicInteger ran = new AtomicInteger();
      futures.add(future);
      runs.add(ran);
      dependents.add(future.thenRun(ran::incrementAndGet));
    }
    ExecutorService waiters = Executors.newFixedThreadPool(2);
    try {
      for (TaskFuture<String> future : futures) {
        waiters.execute(
            () -> {
              try {
                future.get(ThreadLocalRandom.current().nextInt(0, 30), TimeUnit.MICROSECONDS);
              } catch (Exception timedOut) {
                // left before the outcome: the settler or a later waiter publishes
              }
            });
      }
      for (TaskFuture<String> future : futures) {
        future.complete("v");
      }
      CompletableFuture.allOf(dependents.toArray(new CompletableFuture<?>[0]))
          .get(30, TimeUnit.SECONDS);
    } finally {
      waiters.shutdownNow();
    }
    assertThat(runs).allSatisfy(ran -> assertThat(ran.get()).isEqualTo(1));
  }
}
