package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** An uninterruptible wait lasts as long as asked, and leaves the interrupt for the caller. */
class UninterruptiblyTest {
  @Test
  void aSleepLastsItsWholePauseDespiteAnInterruptAndKeepsIt() {
    Thread.currentThread().interrupt();
    long start = System.nanoTime();

    Uninterruptibly.sleep(Duration.ofMillis(50));

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
    assertThat(Thread.interrupted()).as("the interrupt, kept").isTrue();
  }

  @Test
  void anAwaitReturnsOnlyOnceTheLatchOpensAndKeepsTheInterrupt() throws Exception {
    CountDownLatch latch = new CountDownLatch(1);
    AtomicBoolean returnedAfterOpening = new AtomicBoolean();
    AtomicBoolean interruptKept = new AtomicBoolean();
    CountDownLatch waiting = new CountDownLatch(1);
    AtomicBoolean opened = new AtomicBoolean();
    Thread waiter =
        new Thread(
            () -> {
              waiting.countDown();
              Uninterruptibly.await(latch);
              returnedAfterOpening.set(opened.get());
              interruptKept.set(Thread.currentThread().isInterrupted());
            });
    waiter.start();
    waiting.await();

    waiter.interrupt();
    await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(waiter::isAlive);
    opened.set(true);
    latch.countDown();
    waiter.join(10_000);

    assertThat(returnedAfterOpening).isTrue();
    assertThat(interruptKept).isTrue();
  }
}
