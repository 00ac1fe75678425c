package dev.stockade.testing;

import dev.stockade.CommandPool;

/**
 * A JVM whose lifeline's watchdog cannot load its main class — as under a launch shape that starts
 * it with a class path that lacks Stockade — made so by pointing {@code java.class.path} at a jar
 * that does not exist. {@code BrokenClassPathSupervisor run|require} prints what {@link
 * LifelineReport} says, once the lifeline's status quotes the watchdog's stderr.
 */
public final class BrokenClassPathSupervisor {
  private BrokenClassPathSupervisor() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.class.path", "/nonexistent/stockade.jar");
    LifelineReport.print(
        args[0],
        CommandPool.builder().name("broken-lifeline").workers(1).shutdownHook(false),
        "stderr");
  }
}
