package dev.stockade.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Predicate;

/**
 * A class loader that defines some classes itself, from bytes in memory — like an application
 * server's module loader, its classes are no files another JVM could be given — and leaves every
 * other class to the class path.
 */
public final class InMemoryClassLoader extends ClassLoader {
  private final Predicate<String> own;

  private InMemoryClassLoader(Predicate<String> own) {
    super("in-memory", ClassLoader.getSystemClassLoader());
    this.own = own;
  }

  /** A copy of {@code type}, defined by a loader of this kind. */
  public static Class<?> copyOf(Class<?> type) {
    try {
      return new InMemoryClassLoader(type.getName()::equals).loadClass(type.getName());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A loader of this kind that defines every class whose name starts with {@code prefix}. */
  public static ClassLoader forPrefix(String prefix) {
    return new InMemoryClassLoader(className -> className.startsWith(prefix));
  }

  @Override
  protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
    if (!own.test(className)) {
      return super.loadClass(className, resolve);
    }
    synchronized (getClassLoadingLock(className)) {
      Class<?> done = findLoadedClass(className);
      if (done != null) {
        return done;
      }
      String resource = className.replace('.', '/') + ".class";
      try (InputStream in = getParent().getResourceAsStream(resource)) {
        if (in == null) {
          throw new ClassNotFoundException(className);
        }
        byte[] bytes = in.readAllBytes();
        return defineClass(className, bytes, 0, bytes.length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
