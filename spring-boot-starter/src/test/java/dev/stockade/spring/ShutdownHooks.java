package dev.stockade.spring;

import dev.stockade.ProcessPool;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM shutdown hooks registered for a pool, read from the JDK's own table ({@code
 * java.lang.ApplicationShutdownHooks}, opened to the tests by the build's {@code --add-opens}): a
 * pool's hook is a thread named {@code stockade-<pool>-shutdown}.
 */
final class ShutdownHooks {
  private ShutdownHooks() {}

  static List<String> registeredFor(ProcessPool pool) throws ReflectiveOperationException {
    Class<?> table = Class.forName("java.lang.ApplicationShutdownHooks");
    Field hooks = table.getDeclaredField("hooks");
    hooks.setAccessible(true);
    List<String> names = new ArrayList<>();
    synchronized (table) {
      for (Object hook : ((Map<?, ?>) hooks.get(null)).keySet()) {
        names.add(((Thread) hook).getName());
      }
    }
    names.removeIf(name -> !name.equals("stockade-" + pool.name() + "-shutdown"));
    return names;
  }
}
