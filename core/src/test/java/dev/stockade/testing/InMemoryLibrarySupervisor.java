package dev.stockade.testing;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import java.util.concurrent.TimeUnit;

/**
 * A JVM in which Stockade itself was loaded by a class loader whose classes are not files (an
 * {@link InMemoryClassLoader}), so no watchdog can be started with them.
 * {@code InMemoryLibrarySupervisor require} builds a pool with {@code requireLifeline(true)} and
 * prints {@code BUILD FAILED: message} or {@code BUILT}; {@code InMemoryLibrarySupervisor run}
 * builds one without, runs a tree and prints {@code LIFELINE <status>}.
 */
public final class InMemoryLibrarySupervisor {
  private InMemoryLibrarySupervisor() {}

  public static void main(String[] args) throws Exception {
    ClassLoader loader = InMemoryClassLoader.forPrefix("dev.stockade.");
    loader.loadClass(Inside.class.getName()).getMethod("main", String[].class)
        .invoke(null, (Object) args);
  }

  /** Runs inside the in-memory class loader. */
  public static final class Inside {
    private Inside() {}

    public static void main(String[] args) throws Exception {
      if (Inside.class.getClassLoader() == ClassLoader.getSystemClassLoader()) {
        throw new IllegalStateException("not inside the in-memory loader");
      }
      CommandPool.Builder builder = CommandPool.builder().name("in-memory").workers(1)
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
        System.out.println("LIFELINE " + pool.snapshot().lifeline());
      }
    }
  }
}
