package dev.stockade.testing;

import dev.stockade.CommandPool;

/**
 * A JVM in which Stockade itself was loaded by a class loader whose classes are not files (an
 * {@link InMemoryClassLoader}), so no watchdog can be started with them. {@code
 * InMemoryLibrarySupervisor run|require} prints what {@link LifelineReport} says.
 */
public final class InMemoryLibrarySupervisor {
  private InMemoryLibrarySupervisor() {}

  public static void main(String[] args) throws Exception {
    ClassLoader loader = InMemoryClassLoader.forPrefix("dev.stockade.");
    loader
        .loadClass(Inside.class.getName())
        .getMethod("main", String[].class)
        .invoke(null, (Object) args);
  }

  /** Runs inside the in-memory class loader. */
  public static final class Inside {
    private Inside() {}

    public static void main(String[] args) throws Exception {
      if (Inside.class.getClassLoader() == ClassLoader.getSystemClassLoader()) {
        throw new IllegalStateException("not inside the in-memory loader");
      }
      LifelineReport.print(
          args[0],
          CommandPool.builder().name("in-memory").workers(1).shutdownHook(false),
          "unavailable");
    }
  }
}
