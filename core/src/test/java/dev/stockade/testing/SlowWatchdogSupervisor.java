package dev.stockade.testing;

import dev.stockade.CommandPool;

/**
 * A JVM whose lifeline's watchdog is slower to say it is ready than the JVM allows, made so by the
 * test with a ready timeout of 1 ms ({@code -Ddev.stockade.lifeline.readyTimeoutMillis=1}). {@code
 * SlowWatchdogSupervisor run|require} prints what {@link LifelineReport} says, once the lifeline's
 * status says the watchdog was not ready in time.
 */
public final class SlowWatchdogSupervisor {
  private SlowWatchdogSupervisor() {}

  public static void main(String[] args) throws Exception {
    LifelineReport.print(
        args[0],
        CommandPool.builder().name("slow-lifeline").workers(1).shutdownHook(false),
        "was not ready");
  }
}
