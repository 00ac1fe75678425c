package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code waitSpin} sets how much of its own CPU a caller blocked on a task's future spends before
 * it parks: the caller's thread CPU time is the witness, read by the JVM, not by the pool.
 */
@ExtendWith(NoLeakedProcesses.class)
class WaitSpinTest {
  private static final int WAITS = 20;

  /** Each task runs this long: far past any spin, so every wait spins its whole bound. */
  private static final String TASK = "sleep:10";

  @Test
  void aCallerSpinsForWaitSpinBeforeItParksAndParksAtOnceWithZero() throws Exception {
    assumeTrue(
        Runtime.getRuntime().availableProcessors() > 1,
        "nothing spins on a machine with one processor");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isCurrentThreadCpuTimeSupported(), "no thread CPU time in this JVM");

    long spinning = callerCpuNanos(Duration.ofMillis(1), threads);
    long parked = callerCpuNanos(Duration.ZERO, threads);

    // A 1 ms spin on each of 20 waits is 20 ms of the caller's CPU; a quarter of it is margin
    // enough for a spinning thread that the machine preempts now and then.
    assertThat(spinning - parked)
        .as("caller CPU spinning %d ns vs parked %d ns over %d waits", spinning, parked, WAITS)
        .isGreaterThan(WAITS * 250_000L);
  }

  /** The CPU time the calling thread spends over {@link #WAITS} waits for a 10 ms task. */
  private static long callerCpuNanos(Duration waitSpin, ThreadMXBean threads) throws Exception {
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool().workers(1).waitSpin(waitSpin).build()) {
      for (int i = 0; i < 5; i++) { // the worker started, and the code paths compiled
        assertThat(pool.submit(TASK).get(30, TimeUnit.SECONDS)).isEqualTo("slept");
      }
      long before = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < WAITS; i++) {
        assertThat(pool.submit(TASK).get(10, TimeUnit.SECONDS)).isEqualTo("slept");
      }
      return threads.getCurrentThreadCpuTime() - before;
    }
  }
}
