package dev.stockade.testing;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JVM worker handler for tests of what a worker's output and escapees can do to its supervisor.
 * Its input is {@code verb:argument}:
 *
 * <ul>
 *   <li>{@code flood:mib} writes {@code mib} MiB of {@code x} to stderr without a newline;
 *   <li>{@code say-then-wait:text} writes {@code text} and a newline to stderr, then sleeps until
 *       it is interrupted;
 *   <li>{@code escape:seconds} starts {@code env -i setsid -f sleep seconds}, which inherits the
 *       worker's stderr, from a shell that exits at once;
 *   <li>{@code pid} answers the worker's pid; {@code echo:x} answers {@code x}.
 * </ul>
 */
public final class MisbehavingHandler implements Handler {
  @Override
  public byte[] handle(byte[] input, TaskContext context) throws Exception {
    String script = new String(input, StandardCharsets.UTF_8);
    int colon = script.indexOf(':');
    String verb = colon < 0 ? script : script.substring(0, colon);
    String argument = colon < 0 ? "" : script.substring(colon + 1);
    switch (verb) {
      case "flood":
        byte[] mebibyte = new byte[1 << 20];
        Arrays.fill(mebibyte, (byte) 'x');
        for (int i = 0; i < Integer.parseInt(argument); i++) {
          System.err.write(mebibyte, 0, mebibyte.length);
        }
        System.err.flush();
        return text("flooded");
      case "say-then-wait":
        System.err.println(argument);
        System.err.flush();
        Thread.sleep(600_000);
        return text("woke");
      case "escape":
        Process shell =
            new ProcessBuilder("sh", "-c", "env -i setsid -f sleep " + argument + "; exit 0")
                .inheritIO()
                .start();
        return text("escaped, shell exit " + shell.waitFor());
      case "pid":
        return text(ProcessHandle.current().pid());
      case "echo":
        return argument.getBytes(StandardCharsets.UTF_8);
      default:
        throw new IllegalArgumentException("unknown verb " + verb);
    }
  }

  private static byte[] text(Object value) {
    return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
  }
}
