package dev.stockade.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A class loader that defines one class itself, from bytes in memory — like an application
 * server's module loader, its classes are no files another JVM could be given — and leaves
 * every other class to the class path.
 */
public final class InMemoryClassLoader extends ClassLoader {
  private final String name;

  private InMemoryClassLoader(String name) {
    super("in-memory", ClassLoader.getSystemClassLoader());
    this.name = name;
  }

  /** A copy of {@code type}, defined by a loader of this kind. */
  public static Class<?> copyOf(Class<?> type) {
    try {
      return new InMemoryClassLoader(type.getName()).loadClass(type.getName());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected Class<?> loadClass(String className, boolean resolve)
      throws ClassNotFoundException {
    if (!className.equals(name)) {
      return super.loadClass(className, resolve);
    }
    synchronized (getClassLoadingLock(className)) {
      Class<?> done = findLoadedClass(className);
      if (done != null) {
        return done;
      }
      String resource = className.replace('.', '/') + ".class";
      try (InputStream in = getParent().getResourceAsStream(resource)) {
        byte[] bytes = in.readAllBytes();
        return defineClass(className, bytes, 0, bytes.length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
