package dev.stockade.testing;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.LifelineStatus;
import java.util.concurrent.TimeUnit;

/**
 * A JVM whose lifeline's watchdog cannot load its main class — as under a launch shape that
 * starts it with a class path that lacks Stockade — made so by pointing
 * {@code java.class.path} at a jar that does not exist. {@code BrokenClassPathSupervisor run}
 * builds a pool, runs a tree, and prints {@code LIFELINE running=… pid=… description} once the
 * lifeline has given its reason; {@code BrokenClassPathSupervisor require} builds one with
 * {@code requireLifeline(true)} and prints {@code BUILD FAILED: message} or {@code BUILT}.
 */
public final class BrokenClassPathSupervisor {
  private BrokenClassPathSupervisor() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.class.path", "/nonexistent/stockade.jar");
    CommandPool.Builder builder = CommandPool.builder().name("broken-lifeline").workers(1)
        .shutdownHook(false);
    if (args[0].equals("require")) {
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
      while (System.nanoTime() < deadline && !status.description().contains("stderr")) {
        Thread.sleep(20);
        status = pool.snapshot().lifeline();
      }
      System.out.println("LIFELINE running=" + status.running() + " pid=" + status.watchdogPid()
          + " " + status.description());
    }
  }
}
