package dev.stockade.internal.workers;

import dev.stockade.MemorySize;
import dev.stockade.internal.launch.JvmLaunch;
import dev.stockade.internal.launch.UnsupportedLaunchException;
import dev.stockade.internal.runtime.ProtocolStreams;
import dev.stockade.worker.Handler;
import dev.stockade.worker.WorkerMain;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line of a JVM worker (with {@link #ENVIRONMENT}): this JVM's {@code java}, started in
 * this JVM's launch shape ({@link JvmLaunch}) or on a class path the application named, behind a
 * one-line shell that sets up the protocol's descriptors, and a heap sized below the tree's memory
 * limit — the heap is most but not all of a JVM's memory (metaspace, code cache, thread stacks and
 * the collector take the rest), so a heap as large as the limit would let the tree be ended for
 * memory the handler never asked for.
 */
public final class JvmWorkerCommand {
  /** Share of the tree's memory limit given to the heap. */
  static final double HEAP_SHARE = 0.6;

  private static final long MIN_HEAP_MIB = 16;

  /** The environment a JVM worker started by {@link #arguments} needs. */
  public static final Map<String, String> ENVIRONMENT = Map.of(ProtocolStreams.PROTOCOL_FDS, "3,4");

  private JvmWorkerCommand() {}

  /**
   * The command line in this JVM's launch shape.
   *
   * @throws IllegalArgumentException if {@code handler} is not a public class with a public
   *     no-argument constructor, or no JVM could be started that loads it
   */
  public static List<String> arguments(
      Class<? extends Handler> handler, MemorySize memoryLimit, List<String> jvmOptions) {
    return arguments(handler, memoryLimit, jvmOptions, null);
  }

  /**
   * The command line with {@code classPath} as the class path, or, when it is null, in this JVM's
   * launch shape.
   *
   * @throws IllegalArgumentException if {@code handler} is not a public class with a public
   *     no-argument constructor, or no JVM could be started that loads it (naming the shape and
   *     {@code jvmWorkerClassPath}, the fix)
   */
  public static List<String> arguments(
      Class<? extends Handler> handler,
      MemorySize memoryLimit,
      List<String> jvmOptions,
      List<Path> classPath) {
    if (!Modifier.isPublic(handler.getModifiers())
        || handler.isInterface()
        || Modifier.isAbstract(handler.getModifiers())
        || (handler.getEnclosingClass() != null && !Modifier.isStatic(handler.getModifiers()))) {
      throw new IllegalArgumentException(
          "jvmWorker must be a public, concrete, top-level or "
              + "static nested class, but was "
              + handler.getName());
    }
    try {
      if (!Modifier.isPublic(handler.getConstructor().getModifiers())) {
        throw new NoSuchMethodException();
      }
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(
          "jvmWorker must have a public no-argument "
              + "constructor, but "
              + handler.getName()
              + " has none");
    }
    JvmLaunch launch = launch(handler, classPath);
    long heapMib =
        Math.max(MIN_HEAP_MIB, (long) (memoryLimit.toBytes() * HEAP_SHARE) / (1024 * 1024));
    List<String> argv = new ArrayList<>();
    // The shell moves the protocol's pipes to 3 and 4 and points 0 and 1 at /dev/null and
    // stderr, then execs java in its place (same pid): the worker need not load JNA to do it.
    argv.add("/bin/sh");
    argv.add("-c");
    argv.add("exec 3<&0 4>&1 </dev/null >&2 && exec \"$@\"");
    argv.add("stockade-jvm-worker");
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.add("-Xmx" + heapMib + "m");
    argv.add("-XX:+UseSerialGC");
    argv.add("-XX:+ExitOnOutOfMemoryError");
    // No hsperfdata file in the shared /tmp: the tree's own TMPDIR is the only place it writes.
    argv.add("-XX:-UsePerfData");
    argv.addAll(launch.options());
    argv.addAll(jvmOptions);
    argv.addAll(launch.main());
    argv.add(handler.getName());
    return argv;
  }

  private static JvmLaunch launch(Class<? extends Handler> handler, List<Path> classPath) {
    if (classPath != null) {
      return JvmLaunch.onClassPath(
          "jvmWorkerClassPath",
          WorkerMain.class,
          classPath.stream().map(p -> p.toAbsolutePath().toString()).toList());
    }
    try {
      return JvmLaunch.of(WorkerMain.class, handler);
    } catch (UnsupportedLaunchException e) {
      throw new IllegalArgumentException(
          "jvmWorker must be a class another JVM can be started "
              + "with, but "
              + e.getMessage()
              + "; name the files it loads from (stockade-core, the "
              + "handler and their dependencies) with jvmWorkerClassPath(List<Path>)",
          e);
    }
  }
}
