package dev.stockade.internal.cgroup;

import dev.stockade.Codec;
import dev.stockade.CommandPool;
import dev.stockade.MemoryBudget;
import dev.stockade.MemoryPressureEvent;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.PoolListener;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerState;
import dev.stockade.testing.ChildJvmWatchdog;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.Slowdown;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A JVM for a test to run inside a cgroup with a memory limit. {@code report}: builds a pool and
 * prints the {@link MemoryBudget} of its snapshot. {@code recycle}: runs a pool of two idle JVM
 * workers with {@code minFreeMemory} 700 MiB and {@link MemoryPressurePolicy#RECYCLE_LARGEST_IDLE},
 * starts a 350 MiB Python process in its own cgroup to push the memory available below that, prints
 * what the pool did, ends the Python process, and prints again.
 */
public final class MemoryPressureSubject {
  private MemoryPressureSubject() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("report")) {
      try (CommandPool pool = CommandPool.builder().name("budget-report").build()) {
        MemoryBudget budget = pool.snapshot().memory();
        System.out.println("limit=" + budget.limit().toBytes());
        System.out.println("available=" + budget.available().toBytes());
        System.out.println("source=" + budget.source());
      }
      return;
    }
    PoolListener printer =
        new PoolListener() {
          @Override
          public void memoryPressure(MemoryPressureEvent event) {
            System.out.println("EVENT pressure=" + event.underPressure() + " " + event.action());
          }
        };
    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name("budget-recycle")
            .jvmWorker(ScriptedHandler.class)
            .workers(2)
            .minIdle(2)
            .startTimeout(Slowdown.scaled(Duration.ofSeconds(30)))
            .memoryLimit(MemorySize.ofMebibytes(256))
            .sampleInterval(Duration.ofMillis(100))
            .minFreeMemory(MemorySize.ofMebibytes(700))
            .memoryPressurePolicy(MemoryPressurePolicy.RECYCLE_LARGEST_IDLE)
            .listener(printer)
            .build()) {
      waitFor(() -> idle(pool) == 2);
      System.out.println("READY idle=" + idle(pool));
      Process hog =
          new ProcessBuilder(
                  "python3",
                  "-c",
                  "import time; b = b'a' * (350 << 20); print('held', flush=True); time.sleep(600)")
              .redirectErrorStream(true)
              .start();
      waitFor(() -> pool.snapshot().workers().isEmpty());
      System.out.println("RETIRED workers=" + pool.snapshot().workers().size());
      hog.destroyForcibly().waitFor();
      waitFor(() -> idle(pool) == 2);
      System.out.println("RESTARTED idle=" + idle(pool));
    }
    ChildJvmWatchdog.print();
  }

  private static long idle(WorkerPool<String, String> pool) {
    return pool.snapshot().workers().stream().filter(w -> w.state() == WorkerState.IDLE).count();
  }

  private static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Slowdown.scaled(Duration.ofSeconds(30)).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        System.out.println("TIMED OUT");
        System.exit(2);
      }
      Thread.sleep(20);
    }
  }
}
