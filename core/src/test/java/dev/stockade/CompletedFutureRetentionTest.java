package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A completed future keeps its result, and nothing of its task: not its input, not its worker. */
@ExtendWith(NoLeakedProcesses.class)
class CompletedFutureRetentionTest {
  private static final int INPUT_BYTES = 5 << 20;

  /** A 5 MiB input that the worker echoes in its first bytes. */
  private static byte[] input(int i) {
    byte[] script = ("echo:" + i + " ").getBytes(StandardCharsets.UTF_8);
    byte[] input = Arrays.copyOf(script, INPUT_BYTES);
    Arrays.fill(input, script.length, input.length, (byte) 'x');
    return input;
  }

  @Test
  void completedWorkerTaskFuturesDoNotHoldTheirInputs() throws Exception {
    List<WeakReference<byte[]>> inputs = new ArrayList<>();
    List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    try (WorkerPool<byte[], byte[]> pool =
        WorkerPool.builder(Codec.bytes(), Codec.bytes())
            .jvmWorker(ScriptedHandler.class)
            .workers(2)
            .maxFrameSize(MemorySize.ofMebibytes(8))
            .shutdownHook(false)
            .build()) {
      for (int i = 0; i < 40; i++) {
        byte[] input = input(i); // Codec.bytes() sends this very array as the payload
        inputs.add(new WeakReference<>(input));
        futures.add(pool.submit(input));
      }
      for (CompletableFuture<byte[]> future : futures) {
        assertThat(future.get(120, TimeUnit.SECONDS).length).isGreaterThan(1);
      }

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                System.gc();
                assertThat(inputs)
                    .as("inputs still reachable while their futures are held")
                    .allSatisfy(ref -> assertThat(ref.get()).isNull());
              });
      assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
    }
  }
}
