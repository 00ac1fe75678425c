package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How a JVM worker's two request threads share the reading: a stream of short tasks does not wake
 * the waiting thread once per task. The witness is the kernel's own count of the times each thread
 * gave up its processor ({@code voluntary_ctxt_switches} in {@code /proc/PID/task/TID/status}).
 */
@ExtendWith(NoLeakedProcesses.class)
class JvmWorkerReadingTest {
  private static final int TASKS = 2_000;

  @Test
  void aStreamOfShortTasksCostsTheWorkersRequestThreadsAboutOneWaitEach() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      for (int i = 0; i < 200; i++) {
        assertThat(pool.submit("echo:" + i).get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
      long pid = Long.parseLong(pool.submit("pid").get(10, TimeUnit.SECONDS));
      long before = requestThreadWaits(pid);
      long start = System.nanoTime();
      for (int i = 0; i < TASKS; i++) {
        assertThat(pool.submit("echo:" + i).get(10, TimeUnit.SECONDS)).isEqualTo(String.valueOf(i));
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      long waits = requestThreadWaits(pid) - before;
      // The thread that reads blocks once per task, waiting for the next; the other may wake once
      // per millisecond to watch. Waking the other thread for every task costs a second wait each.
      long allowed = TASKS + TASKS / 4 + elapsedMs;
      assertThat(waits)
          .as(
              "voluntary context switches of the request threads over %d tasks in %d ms",
              TASKS, elapsedMs)
          .isLessThanOrEqualTo(allowed);
    }
  }

  /**
   * The voluntary context switches of the worker's threads that read requests: the Java main thread
   * and {@code stockade-requests} (named {@code java} and {@code stockade-reques} by the kernel).
   */
  private static long requestThreadWaits(long pid) throws IOException {
    long total = 0;
    List<Path> threads;
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      threads = tasks.toList();
    }
    for (Path thread : threads) {
      try {
        String name = Files.readString(thread.resolve("comm")).strip();
        if (!name.equals("java") && !name.equals("stockade-reques")) {
          continue;
        }
        for (String line : Files.readAllLines(thread.resolve("status"))) {
          if (line.startsWith("voluntary_ctxt_switches:")) {
            total += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
          }
        }
      } catch (NoSuchFileException gone) {
        // a thread that ended between the listing and the read
      }
    }
    return total;
  }
}
