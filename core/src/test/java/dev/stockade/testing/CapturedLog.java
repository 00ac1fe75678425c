package dev.stockade.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What the library logged while some code ran. slf4j-simple writes every level from INFO up (the
 * test configuration) to {@link System#err}, looked up at each call, so swapping it captures
 * exactly those lines; they are passed on to the real stream afterwards.
 */
public final class CapturedLog {
  private CapturedLog() {}

  /** The code under capture. */
  public interface Action {
    void run() throws Exception;
  }

  public static String during(Action action) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }
}
