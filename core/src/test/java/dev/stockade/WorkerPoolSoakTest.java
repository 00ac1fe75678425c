package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos soak of persistent workers, run on purpose: {@code mvn verify -pl core -Psoak} (size with
 * {@code -Dstockade.soak.tasks=N}, default 200). Tasks of every kind of misbehaviour through one
 * pool of JVM workers; each must end as its kind implies, the pool must serve to the end, and
 * nothing — no process, no temporary directory — may be left.
 */
@Tag("soak")
@ExtendWith(NoLeakedProcesses.class)
class WorkerPoolSoakTest {
  private enum Kind {
    OK,
    FAILS,
    CRASHES,
    HANGS,
    SPINS,
    HOGS,
    CANCELLED,
    PRINTS,
    RETRIED
  }

  @TempDir Path markers;

  private static String scriptFor(Kind kind, int i, Path markers) {
    return switch (kind) {
      case OK -> "echo:" + i;
      case FAILS -> "fail:task " + i;
      case CRASHES -> "halt:7";
      case HANGS, CANCELLED -> "sleep:60000";
      case SPINS -> "spin";
      case HOGS -> "allocate:300";
      case PRINTS -> "print:line " + i;
      case RETRIED -> "crash-once:" + markers.resolve("task-" + i);
    };
  }

  @Test
  void everyTaskEndsAsItsKindImpliesAndNothingIsLeft() throws Exception {
    int tasks = Integer.getInteger("stockade.soak.tasks", 200);
    Random random = new Random(7);
    List<Kind> kinds = new ArrayList<>();
    List<CompletableFuture<String>> futures = new ArrayList<>();
    try (WorkerPool<String, String> pool =
        JvmWorkers.pool()
            .name("soak-workers")
            .workers(4)
            .queueCapacity(tasks)
            .memoryLimit(MemorySize.ofMebibytes(200))
            .jvmOptions(List.of("-Xmx700m"))
            .taskTimeout(Duration.ofSeconds(2))
            .cancelGrace(Duration.ofMillis(500))
            .maxTasksPerWorker(25)
            .build()) {
      for (int i = 0; i < tasks; i++) {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        kinds.add(kind);
        TaskOptions options = TaskOptions.defaults().withLabel(kind + "-" + i);
        CompletableFuture<String> future =
            pool.submit(
                scriptFor(kind, i, markers),
                kind == Kind.RETRIED ? options.withIdempotent(true) : options);
        futures.add(future);
        if (kind == Kind.CANCELLED) {
          CompletableFuture.delayedExecutor(random.nextInt(1000), TimeUnit.MILLISECONDS)
              .execute(() -> future.cancel(true));
        }
      }
      for (int i = 0; i < tasks; i++) {
        assertOutcome(kinds.get(i), i, futures.get(i));
      }
      assertThat(pool.submit("echo:still serving").get(60, TimeUnit.SECONDS))
          .isEqualTo("still serving");
    }
    try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(
              dirs.map(p -> p.getFileName().toString())
                  .filter(n -> n.startsWith("stockade-soak-workers-")))
          .isEmpty();
    }
  }

  private static void assertOutcome(Kind kind, int i, CompletableFuture<String> future)
      throws InterruptedException {
    String result = null;
    Throwable failure = null;
    try {
      result = future.get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      failure = e.getCause();
    } catch (CancellationException e) {
      failure = e;
    } catch (TimeoutException e) {
      throw new AssertionError(kind + " task " + i + " did not complete within 120 s", e);
    }
    String what = kind + " task " + i + " (" + result + ", " + failure + ")";
    switch (kind) {
      case OK -> assertThat(result).as(what).isEqualTo(String.valueOf(i));
      case FAILS -> assertThat(failure).as(what).isInstanceOf(TaskFailedException.class);
      case CRASHES -> assertThat(failure).as(what).isInstanceOf(WorkerCrashedException.class);
      case HANGS, SPINS -> assertThat(failure).as(what).isInstanceOf(TaskTimeoutException.class);
      case HOGS -> assertThat(failure).as(what).isInstanceOf(MemoryLimitExceededException.class);
      case CANCELLED -> assertThat(failure).as(what).isInstanceOf(CancellationException.class);
      case PRINTS -> assertThat(result).as(what).isEqualTo("printed");
      case RETRIED -> assertThat(result).as(what).isEqualTo("survived");
      default -> throw new IllegalStateException(what);
    }
  }
}
