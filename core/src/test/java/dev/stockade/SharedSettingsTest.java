package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.Slowdown;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The settings both pools take are one set of rules: the same refusal, word for word, and the same
 * warnings from either builder; and either pool is closed through {@link ProcessPool}.
 */
@ExtendWith(NoLeakedProcesses.class)
class SharedSettingsTest {
  private static final List<Supplier<PoolBuilder<?>>> BOTH_BUILDERS =
      List.of(
          CommandPool::builder,
          () -> WorkerPool.builder(Codec.utf8(), Codec.utf8()).jvmWorker(ScriptedHandler.class));

  static Stream<Arguments> sharedBadSettings() {
    List<Arguments> cases =
        List.of(
            bad(b -> b.workers(0), "workers must be between 1 and 4096, but was 0"),
            bad(b -> b.workers(4097), "workers must be between 1 and 4096, but was 4097"),
            bad(b -> b.queueCapacity(-1), "queueCapacity must be >= 0, but was -1"),
            bad(b -> b.maxProcesses(0), "maxProcesses must be between 1 and 4194304, but was 0"),
            bad(
                b -> b.blockWhenSaturated(Duration.ZERO),
                "blockWhenSaturated must be a positive duration, but was 0 ms"),
            bad(
                b -> b.taskTimeout(Duration.ofMillis(100)),
                "taskTimeout must be >= sampleInterval (250 ms), but was 100 ms"),
            bad(
                b -> b.terminationGrace(Duration.ofMinutes(6)),
                "terminationGrace must be between 0 and 5 minutes, but was 360000 ms"));
    return BOTH_BUILDERS.stream()
        .flatMap(
            builder ->
                cases.stream()
                    .map(
                        c ->
                            Arguments.of(
                                builder.get().getClass().getSimpleName(),
                                builder,
                                c.get()[0],
                                c.get()[1])));
  }

  private static Arguments bad(Consumer<PoolBuilder<?>> setting, String message) {
    return Arguments.of(setting, message);
  }

  @ParameterizedTest(name = "{0}: {3}")
  @MethodSource("sharedBadSettings")
  void bothBuildersRefuseASharedSettingWithTheSameMessage(
      String builderName,
      Supplier<PoolBuilder<?>> builder,
      Consumer<PoolBuilder<?>> setting,
      String message) {
    PoolBuilder<?> b = builder.get();
    setting.accept(b);
    Runnable build =
        b instanceof CommandPoolBuilder c ? c::build : ((WorkerPoolBuilder<?, ?>) b)::build;
    assertThatThrownBy(build::run).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void bothPoolsWarnOfMoreThanFourTreesPerProcessor() throws Exception {
    int tooMany = 4 * Runtime.getRuntime().availableProcessors() + 1;
    String commands =
        CapturedLog.during(
            () ->
                CommandPool.builder()
                    .name("warned-commands")
                    .workers(tooMany)
                    .shutdownHook(false)
                    .build()
                    .close());
    String workers =
        CapturedLog.during(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .jvmWorker(ScriptedHandler.class)
                    .name("warned-workers")
                    .workers(tooMany)
                    .shutdownHook(false)
                    .build()
                    .close());
    assertThat(commands)
        .contains("[warned-commands] workers=" + tooMany + " is more than 4 trees per processor");
    assertThat(workers)
        .contains("[warned-workers] workers=" + tooMany + " is more than 4 trees per processor");
  }

  @Test
  void aRefusedBuildWarnsOfNothing() throws Exception {
    int tooMany = 4 * Runtime.getRuntime().availableProcessors() + 1;
    String log =
        CapturedLog.during(
            () ->
                assertThatThrownBy(
                        () ->
                            CommandPool.builder()
                                .name("refused-warned")
                                .workers(tooMany)
                                .queueCapacity(-1)
                                .build())
                    .isInstanceOf(IllegalArgumentException.class));
    assertThat(log).doesNotContain("refused-warned");
  }

  @Test
  void eitherPoolIsClosedThroughTheCommonType() throws Exception {
    List<ProcessPool> pools =
        List.of(
            CommandPool.builder().name("common-commands").shutdownHook(false).build(),
            WorkerPool.builder(Codec.utf8(), Codec.utf8())
                .jvmWorker(ScriptedHandler.class)
                .name("common-workers")
                .minIdle(1)
                .workers(1)
                .shutdownHook(false)
                .build());
    ProcessPool workerPool = pools.get(1);
    await()
        .atMost(Slowdown.scaled(Duration.ofSeconds(30)))
        .until(() -> workerPool.snapshot().workers().size() == 1);
    for (ProcessPool pool : pools) {
      assertThat(pool.snapshot().poolName()).isEqualTo(pool.name());
      assertThat(pool.isShutdown()).isFalse();
      pool.close(Duration.ofSeconds(5));
      assertThat(pool.awaitTermination(Duration.ofSeconds(10))).isTrue();
      assertThat(pool.isTerminated()).isTrue();
      assertThat(pool.snapshot().closed()).isTrue();
      assertThat(pool.snapshot().workers()).isEmpty();
    }
    assertThat(pools)
        .extracting(ProcessPool::name)
        .containsExactly("common-commands", "common-workers");
  }
}
