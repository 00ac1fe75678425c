package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's events are delivered through a sequential executor: in the order given, one at a
 * time, whatever the threads of the executor beneath, and a task that throws stops none after it.
 */
class SequentialExecutorTest {
  private final ExecutorService threads = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void runsTasksInTheOrderGivenOneAtATimeOnAManyThreadedExecutor() throws Exception {
    SequentialExecutor sequential = new SequentialExecutor(threads);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1000);

    IntStream.range(0, 1000)
        .forEach(
            i ->
                sequential.execute(
                    () -> {
                      mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                      ran.add(i);
                      running.decrementAndGet();
                      done.countDown();
                    }));

    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactlyElementsOf(IntStream.range(0, 1000).boxed().toList());
    assertThat(mostAtOnce.get()).isEqualTo(1);
  }

  @Test
  void aTaskThatThrowsStopsNoneAfterIt() throws Exception {
    SequentialExecutor sequential = new SequentialExecutor(threads);
    CountDownLatch after = new CountDownLatch(1);

    sequential.execute(
        () -> {
          throw new IllegalStateException("a listener's bug");
        });
    sequential.execute(after::countDown);

    assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aRefusalReachesTheCallerAndTheNextTaskStillRuns() throws Exception {
    AtomicInteger refusals = new AtomicInteger(1);
    SequentialExecutor sequential =
        new SequentialExecutor(
            task -> {
              if (refusals.getAndDecrement() > 0) {
                throw new RejectedExecutionException("full");
              }
              threads.execute(task);
            });
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch second = new CountDownLatch(1);

    assertThatThrownBy(() -> sequential.execute(() -> ran.add("refused")))
        .isInstanceOf(RejectedExecutionException.class);
    sequential.execute(
        () -> {
          ran.add("accepted");
          second.countDown();
        });

    assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly("accepted");
  }
}
