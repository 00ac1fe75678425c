package dev.stockade.worker;

import dev.stockade.internal.runtime.JvmWorkerLoop;
import dev.stockade.internal.runtime.ProtocolStreams;

/**
 * The main class of a JVM worker process: {@code java -cp ... dev.stockade.worker.WorkerMain
 * <handler class>}. It moves the real stdin and stdout aside for the protocol before the handler is
 * loaded, says HELLO, sends heartbeats from a daemon thread, runs tasks one at a time on the main
 * thread, and ends its whole process group when its stdin reaches end-of-file. A pool starts it
 * itself ({@code jvmWorker(...)}); starting it by hand is only useful for debugging.
 */
public final class WorkerMain {
  private WorkerMain() {}

  /**
   * Runs the worker until SHUTDOWN or the end of its stdin. Exits with status 2 when not given
   * exactly one argument, and 3 when the handler cannot be created (the class is missing, is not a
   * {@link Handler}, or has no public no-argument constructor).
   *
   * @param args the handler's binary class name
   * @throws Exception an {@code IOException} if the standard streams cannot be moved aside for the
   *     protocol; the worker then never says HELLO
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: WorkerMain <handler class name>");
      System.exit(2);
    }
    // First, before any user code can print: the protocol's descriptors are private from here.
    ProtocolStreams streams = ProtocolStreams.moveStandardStreamsAside();
    String tmp = System.getenv("TMPDIR");
    if (tmp != null && !tmp.isEmpty()) {
      // The tree's own temporary directory, removed with the tree; the JDK ignores TMPDIR.
      System.setProperty("java.io.tmpdir", tmp);
    }
    Handler handler;
    try {
      Class<?> type = Class.forName(args[0], true, Thread.currentThread().getContextClassLoader());
      handler = (Handler) type.getConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      System.err.println("cannot create handler " + args[0] + ": " + e);
      System.exit(3);
      return;
    }
    new JvmWorkerLoop(streams, handler).run();
  }
}
