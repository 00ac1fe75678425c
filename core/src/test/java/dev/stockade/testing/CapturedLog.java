package dev.stockade.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * What the library logged while some code ran. slf4j-simple writes every level from INFO up (the
 * test configuration) to {@link System#err}, looked up at each call, so swapping it captures
 * exactly those lines; they are passed on to the real stream afterwards. {@link #stdoutDuring} does
 * the same for what a program prints. {@link #linesDuring} also gives each line the SLF4J MDC of
 * the thread that logged it, read as slf4j-simple writes the line on that thread.
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

  /** A line the library logged, and the MDC of the thread that logged it, at that moment. */
  public record LoggedLine(String text, Map<String, String> context) {}

  /** The lines logged while {@code action} ran, each with the MDC it was logged under. */
  public static List<LoggedLine> linesDuring(Action action) throws Exception {
    // SLF4J set up before the stream is swapped: its own notices go to System.err, and the
    // stream below reads the MDC, which must not be set up from inside it.
    MDC.getMDCAdapter();
    PrintStream original = System.err;
    List<LoggedLine> lines = Collections.synchronizedList(new ArrayList<>());
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(
        new PrintStream(captured, true, StandardCharsets.UTF_8) {
          @Override
          public void println(String line) {
            Map<String, String> context = MDC.getCopyOfContextMap();
            lines.add(new LoggedLine(line, context == null ? Map.of() : Map.copyOf(context)));
            super.println(line);
          }
        });
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    original.print(captured.toString(StandardCharsets.UTF_8));
    synchronized (lines) {
      return List.copyOf(lines);
    }
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
