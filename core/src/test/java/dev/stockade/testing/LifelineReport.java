package dev.stockade.testing;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandPoolBuilder;
import dev.stockade.LifelineStatus;
import java.util.concurrent.TimeUnit;

/**
 * What a supervisor JVM whose lifeline cannot start prints for {@code LifelineStartTest}. In mode
 * {@code require} it builds the pool with {@code requireLifeline(true)} and prints {@code BUILD
 * FAILED: message} or {@code BUILT status}; in mode {@code run} it builds one without, runs a tree,
 * waits up to 30 s for the lifeline's status to contain a phrase, and prints {@code LIFELINE
 * running=… pid=… description} and {@code HEALTH} with the pool's health.
 */
public final class LifelineReport {
  private LifelineReport() {}

  public static void print(String mode, CommandPoolBuilder builder, String awaitedPhrase)
      throws Exception {
    if (mode.equals("require")) {
      try (CommandPool pool = builder.requireLifeline(true).build()) {
        System.out.println("BUILT " + pool.snapshot().lifeline());
      } catch (IllegalStateException e) {
        System.out.println("BUILD FAILED: " + e.getMessage());
      }
      return;
    }
    try (CommandPool pool = builder.build()) {
      pool.run(Command.of("true")).get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      LifelineStatus status = pool.snapshot().lifeline();
      while (System.nanoTime() < deadline && !status.description().contains(awaitedPhrase)) {
        Thread.sleep(20);
        status = pool.snapshot().lifeline();
      }
      System.out.println(
          "LIFELINE running="
              + status.running()
              + " pid="
              + status.watchdogPid().orElse(-1)
              + " "
              + status.description());
      System.out.println("HEALTH " + pool.health());
    }
  }
}
