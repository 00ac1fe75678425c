package dev.stockade.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the library logged while some code ran. slf4j-simple writes every level from INFO up (the
 * test configuration) to {@link System#err}, looked up at each call, so swapping it captures
 * exactly those lines; they are passed on to the real stream afterwards. {@link #stdoutDuring} does
 * the same for what a program prints.
 */
public final class CapturedLog {
  private CapturedLog() {}

  /** The code under capture. */
  public interface Action {
    void run() throws Exception;
  }

  /** What was written to {@link System#err} while {@code action} ran. */
  public static String during(Action action) throws Exception {
    return captured(action, () -> System.err, System::setErr);
  }

  /** What was written to {@link System#out} while {@code action} ran. */
  public static String stdoutDuring(Action action) throws Exception {
    return captured(action, () -> System.out, System::setOut);
  }

  private static String captured(
      Action action, Supplier<PrintStream> stream, Consumer<PrintStream> setStream)
      throws Exception {
    PrintStream original = stream.get();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    setStream.accept(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      setStream.accept(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }
}
