package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code close()} is idempotent and quiet: a second call logs nothing and returns at once. */
@ExtendWith(NoLeakedProcesses.class)
class CloseTest {
  /** Far above a call that does nothing, far below any wait for a tree or a thread. */
  private static final Duration AT_ONCE = Duration.ofMillis(500);

  @Test
  void aSecondCloseOfACommandPoolLogsNothingAndReturnsAtOnce() throws Exception {
    CommandPool pool = CommandPool.builder().workers(1).shutdownHook(false).build();
    pool.run(Command.of("true")).get(20, TimeUnit.SECONDS);
    pool.close();
    assertSecondCloseIsQuietAndQuick(pool::close);
  }

  @Test
  void aSecondCloseOfAJvmWorkerPoolLogsNothingAndReturnsAtOnce() throws Exception {
    WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build();
    assertThat(pool.submit("echo:x").get(30, TimeUnit.SECONDS)).isEqualTo("x");
    pool.close();
    assertSecondCloseIsQuietAndQuick(pool::close);
  }

  @Test
  void aSecondCloseOfAPythonWorkerPoolLogsNothingAndReturnsAtOnce() throws Exception {
    // A Python pool has a runtime directory too, removed by the first close only.
    WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
            .workers(1)
            .shutdownHook(false)
            .build();
    assertThat(pool.submit("echo:x").get(30, TimeUnit.SECONDS)).isEqualTo("x");
    pool.close();
    assertSecondCloseIsQuietAndQuick(pool::close);
  }

  private static void assertSecondCloseIsQuietAndQuick(Runnable close) throws Exception {
    long[] took = new long[1];
    String logged =
        CapturedLog.during(
            () -> {
              long start = System.nanoTime();
              close.run();
              took[0] = System.nanoTime() - start;
            });
    assertThat(logged).as("what the second close() logged").isEmpty();
    assertThat(Duration.ofNanos(took[0])).isLessThan(AT_ONCE);
  }
}
