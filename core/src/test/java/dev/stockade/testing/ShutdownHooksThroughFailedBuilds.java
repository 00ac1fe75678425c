package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.CommandPool;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Prints the JVM's shutdown hooks of Stockade pools ({@code stockade-…-shutdown}) before and after
 * builds that are refused, and, as the control that shows they can be seen, while a pool is open
 * and after it closed. Reads {@code java.lang.ApplicationShutdownHooks}, so it runs in a JVM
 * started with {@code --add-opens java.base/java.lang=ALL-UNNAMED}.
 */
public final class ShutdownHooksThroughFailedBuilds {
  private ShutdownHooksThroughFailedBuilds() {}

  public static void main(String[] args) throws Exception {
    System.out.println("before: " + stockadeHooks());
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
    refused(() -> CommandPool.builder().name("hooks-commands").taskTimeout(huge).build());
    refused(
        () ->
            WorkerPool.builder(Codec.utf8(), Codec.utf8())
                .name("hooks-workers")
                .jvmWorker(ScriptedHandler.class)
                .heartbeatTimeout(huge)
                .build());
    refused(
        () ->
            WorkerPool.builder(Codec.utf8(), Codec.utf8())
                .name("hooks-budget")
                .jvmWorker(ScriptedHandler.class)
                .minFreeMemory(MemorySize.ofGibibytes(1L << 20))
                .build());
    System.out.println("after refused builds: " + stockadeHooks());
    CommandPool control = CommandPool.builder().name("hooks-control").build();
    System.out.println("while open: " + stockadeHooks());
    control.close();
    System.out.println("after close: " + stockadeHooks());
  }

  private static void refused(Runnable build) {
    try {
      build.run();
      System.out.println("BUILT, but should have been refused");
    } catch (IllegalArgumentException e) {
      System.out.println("refused: " + e.getMessage());
    }
  }

  private static List<String> stockadeHooks() throws Exception {
    Field hooks = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
    hooks.setAccessible(true);
    synchronized (Class.forName("java.lang.ApplicationShutdownHooks")) {
      return ((Map<?, ?>) hooks.get(null))
          .keySet().stream()
              .map(t -> ((Thread) t).getName())
              .filter(n -> n.startsWith("stockade-"))
              .sorted()
              .toList();
    }
  }
}
