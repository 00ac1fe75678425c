package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.cgroup.OwnCgroupMemory;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One {@code health()} on both pools: up, or each problem with the status it brings and a message;
 * and the listener told of each change.
 */
@ExtendWith(NoLeakedProcesses.class)
class PoolHealthTest {
  private static final Duration SAMPLE = Duration.ofMillis(50);

  @Test
  void anIdlePoolOfEitherKindIsUp() throws Exception {
    try (CommandPool commands = CommandPool.builder().shutdownHook(false).build();
        WorkerPool<String, String> workers = JvmWorkers.pool().workers(1).build()) {
      commands.run(Command.of("true")).get(10, TimeUnit.SECONDS);
      assertThat(workers.submit("echo:hi").get(30, TimeUnit.SECONDS)).isEqualTo("hi");

      assertThat(commands.health().status()).isEqualTo(HealthStatus.UP);
      assertThat(commands.health().problems()).isEmpty();
      assertThat(workers.health().status()).isEqualTo(HealthStatus.UP);
    }
  }

  @Test
  void aPoolThatWasShutDownOrClosedIsDown() {
    CommandPool pool =
        CommandPool.builder()
            .name("ending")
            .terminationGrace(Duration.ZERO)
            .shutdownHook(false)
            .build();
    // A task still running keeps the pool shut down but not closed: an idle pool closes itself.
    var unused = pool.run(Command.of("sleep", TestProcesses.uniqueSleepSeconds()));
    pool.shutdown();
    PoolHealth shutDown = pool.health();
    assertThat(shutDown.status()).isEqualTo(HealthStatus.DOWN);
    assertThat(shutDown.problems()).containsKey(HealthProblem.CLOSED);
    assertThat(shutDown.problems().get(HealthProblem.CLOSED)).contains("shut down");
    pool.close();
    assertThat(pool.health().problems()).containsEntry(HealthProblem.CLOSED, "closed");
    assertThat(pool.health().toString()).startsWith("pool 'ending' DOWN: CLOSED (closed)");
  }

  @Test
  void aPoolWithEveryWorkerBusyAndTheQueueFullIsDegradedUntilRoomIsMade() {
    try (CommandPool pool =
        CommandPool.builder()
            .name("full")
            .workers(1)
            .queueCapacity(0)
            .terminationGrace(Duration.ZERO)
            .shutdownHook(false)
            .build()) {
      CompletableFuture<CommandResult> running =
          pool.run(Command.of("sleep", TestProcesses.uniqueSleepSeconds()));
      PoolHealth full = pool.health();
      assertThat(full.status()).isEqualTo(HealthStatus.DEGRADED);
      assertThat(full.problems()).containsOnlyKeys(HealthProblem.SATURATED);
      assertThat(full.problems().get(HealthProblem.SATURATED)).contains("active=1/1");

      running.cancel(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> pool.health().status() == HealthStatus.UP);
    }
  }

  @Test
  void aPoolShortOfMemoryIsDegraded() {
    MemorySize almostAll =
        MemorySize.ofBytes(OwnCgroupMemory.resolve().read().limitBytes() - (1 << 20));
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .minFreeMemory(almostAll)
            .sampleInterval(SAMPLE)
            .shutdownHook(false)
            .build()) {
      var unused = pool.run(Command.of("echo", "held back"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pool.health().problems().containsKey(HealthProblem.MEMORY_PRESSURE));
      assertThat(pool.health().status()).isEqualTo(HealthStatus.DEGRADED);
      assertThat(pool.health().problems().get(HealthProblem.MEMORY_PRESSURE))
          .contains("below minFreeMemory");
    }
  }

  @Test
  void aWorkerPoolWhoseWorkersCannotStartIsDownWithTheReason() {
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .command(Command.of("false"))
            .workers(1)
            .sampleInterval(SAMPLE)
            .restartBackoff(Duration.ofMillis(20), Duration.ofMillis(50))
            .startFailureThreshold(2)
            .circuitOpenDuration(Duration.ofMinutes(5))
            .shutdownHook(false)
            .build()) {
      var unused = pool.submit("x");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> pool.health().problems().containsKey(HealthProblem.BREAKER_OPEN));
      PoolHealth down = pool.health();
      assertThat(down.status()).isEqualTo(HealthStatus.DOWN);
      assertThat(down.problems()).containsKey(HealthProblem.WORKERS_CANNOT_START);
      assertThat(down.problems().get(HealthProblem.BREAKER_OPEN)).contains("2 failed starts");
    }
  }

  @Test
  void theListenerHearsEachChangeWithTheHealthBeforeAndAfter() {
    List<HealthEvent> heard = new CopyOnWriteArrayList<>();
    try (CommandPool pool =
        CommandPool.builder()
            .workers(1)
            .queueCapacity(0)
            .sampleInterval(SAMPLE)
            .terminationGrace(Duration.ZERO)
            .shutdownHook(false)
            .listener(
                new PoolListener() {
                  @Override
                  public void healthChanged(HealthEvent event) {
                    heard.add(event);
                  }
                })
            .build()) {
      CompletableFuture<CommandResult> running =
          pool.run(Command.of("sleep", TestProcesses.uniqueSleepSeconds()));
      await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 1);
      running.cancel(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 2);

      assertThat(heard.get(0).previous().status()).isEqualTo(HealthStatus.UP);
      assertThat(heard.get(0).current().problems()).containsOnlyKeys(HealthProblem.SATURATED);
      assertThat(heard.get(1).previous()).isEqualTo(heard.get(0).current());
      assertThat(heard.get(1).current().status()).isEqualTo(HealthStatus.UP);
    }
  }
}
