package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
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

/**
 * Chaos soak, run on purpose: {@code mvn verify -Psoak} (size with {@code -Dstockade.soak.tasks=N},
 * default 400). Many tasks of every kind of misbehaviour through one pool at once; each must end
 * with the outcome its kind implies, and nothing — no process, no temporary directory — may be
 * left.
 */
@Tag("soak")
@ExtendWith(NoLeakedProcesses.class)
class CommandPoolSoakTest {
  private enum Kind {
    OK,
    FAILS,
    CRASHES,
    HANGS,
    HOGS,
    LEAVES_DAEMON,
    FORKS,
    CANCELLED,
    CHATTY
  }

  private static Command commandFor(Kind kind, String marker) {
    switch (kind) {
      case OK:
        return Command.of("sh", "-c", "echo ok");
      case FAILS:
        return Command.of("sh", "-c", "echo no >&2; exit 3");
      case CRASHES:
        return Command.of("sh", "-c", "kill -SEGV $$");
      case HANGS:
        return Command.of("sh", "-c", "trap '' TERM; sleep " + marker + "; :");
      case HOGS:
        return Command.of("dd", "if=/dev/zero", "of=/dev/null", "bs=80M", "count=100000");
      case LEAVES_DAEMON:
        return Command.of("sh", "-c", "setsid -f sleep " + marker + "; exit 0");
      case FORKS:
        return Command.of(
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8; do sleep " + marker + " & done; sleep 0.2; exit 0");
      case CANCELLED:
        return Command.of("sleep", marker);
      case CHATTY:
        return Command.of("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x");
      default:
        throw new IllegalArgumentException(kind.toString());
    }
  }

  @Test
  void everyTaskEndsAsItsKindImpliesAndNothingIsLeft() throws Exception {
    int tasks = Integer.getInteger("stockade.soak.tasks", 400);
    String marker = TestProcesses.uniqueSleepSeconds();
    Random random = new Random(42);
    List<Kind> kinds = new ArrayList<>();
    List<CompletableFuture<CommandResult>> futures = new ArrayList<>();
    try (CommandPool pool =
        CommandPool.builder()
            .name("soak")
            .workers(4)
            .queueCapacity(tasks)
            .memoryLimit(MemorySize.ofMebibytes(64))
            .taskTimeout(Duration.ofSeconds(1))
            .sampleInterval(Duration.ofMillis(50))
            .terminationGrace(Duration.ofMillis(200))
            .outputLimit(MemorySize.ofKibibytes(4))
            .build()) {
      for (int i = 0; i < tasks; i++) {
        Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
        kinds.add(kind);
        CompletableFuture<CommandResult> future = pool.run(commandFor(kind, marker));
        futures.add(future);
        if (kind == Kind.CANCELLED) {
          CompletableFuture.delayedExecutor(random.nextInt(300), TimeUnit.MILLISECONDS)
              .execute(() -> future.cancel(true));
        }
      }
      for (int i = 0; i < tasks; i++) {
        assertOutcome(kinds.get(i), futures.get(i));
      }
    }
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
    try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(
              dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("stockade-soak-")))
          .isEmpty();
    }
  }

  private static void assertOutcome(Kind kind, CompletableFuture<CommandResult> future)
      throws IOException, InterruptedException {
    CommandResult result = null;
    Throwable failure = null;
    try {
      result = future.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      failure = e.getCause();
    } catch (CancellationException e) {
      failure = e;
    } catch (TimeoutException e) {
      throw new AssertionError(kind + " task did not complete within 60 s", e);
    }
    switch (kind) {
      case OK:
      case LEAVES_DAEMON:
      case FORKS:
        assertThat(result).as(kind.toString()).isNotNull();
        assertThat(result.isSuccess()).isTrue();
        break;
      case FAILS:
        assertThat(result.exitStatus().exitCode()).hasValue(3);
        break;
      case CRASHES:
        assertThat(result.exitStatus().signal()).hasValue(11);
        break;
      case HANGS:
        assertThat(failure).isInstanceOf(TaskTimeoutException.class);
        break;
      case HOGS:
        assertThat(failure).isInstanceOf(MemoryLimitExceededException.class);
        break;
      case CANCELLED:
        assertThat(failure).isInstanceOf(CancellationException.class);
        break;
      case CHATTY:
        assertThat(result.stdout().totalBytes()).isEqualTo(300_000);
        assertThat(result.stdout().bytes()).hasSize(4096);
        break;
      default:
        throw new AssertionError(kind);
    }
  }
}
