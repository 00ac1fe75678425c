package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerPoolBuilder;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import java.time.Duration;

/** A pool of {@link ScriptedHandler} JVM workers with fast clocks, and signals for tests. */
public final class JvmWorkers {
  private JvmWorkers() {}

  /**
   * Sampled every 50 ms, heartbeats every 100 ms with a 1.5 s timeout, 1 s grace, 20 s to start
   * (the timeouts times {@link Slowdown#factor()}); no shutdown hook (each test closes its pool).
   */
  public static WorkerPoolBuilder<String, String> pool() {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .jvmWorker(ScriptedHandler.class)
        .sampleInterval(Duration.ofMillis(50))
        .heartbeatInterval(Duration.ofMillis(100))
        .heartbeatTimeout(Slowdown.scaled(Duration.ofMillis(1500)))
        .terminationGrace(Duration.ofSeconds(1))
        .startTimeout(Slowdown.scaled(Duration.ofSeconds(20)))
        .shutdownHook(false);
  }

  /** Sends {@code signal} to the live process {@code pid}. */
  public static void signal(long pid, Signal signal) {
    ProcessInfo info = ProcFs.readStat(pid);
    if (info == null) {
      throw new AssertionError("process " + pid + " is not alive");
    }
    Signals.send(info.identity(), signal);
  }

  /** True while {@code pid} exists and is not a zombie. */
  public static boolean isAlive(long pid) {
    ProcessInfo info = ProcFs.readStat(pid);
    return info != null && !info.isEnded();
  }
}
