package dev.stockade.testing.conformance;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The JVM handler of the runtime conformance test; the same commands as
 * {@code workers/python/conformance_worker.py}: {@code echo:<bytes>}, {@code print:<text>},
 * {@code fail:<message>}, {@code progress:<n>}, {@code sleep:<ms>}, {@code spin},
 * {@code spawn}, {@code spawn-session}.
 */
public final class ConformanceHandler implements Handler {
  @Override
  public byte[] handle(byte[] input, TaskContext context) throws Exception {
    int colon = indexOf(input, (byte) ':');
    String command = new String(input, 0, colon < 0 ? input.length : colon,
        StandardCharsets.UTF_8);
    byte[] rawArgument = colon < 0 ? new byte[0] : Arrays.copyOfRange(input, colon + 1,
        input.length);
    String argument = new String(rawArgument, StandardCharsets.UTF_8);
    switch (command) {
      case "echo":
        return rawArgument;
      case "print":
        System.out.println(argument);
        new ProcessBuilder("sh", "-c", "echo child-output; echo child-err >&2").inheritIO()
            .start().waitFor();
        return bytes("ok");
      case "fail":
        throw new IllegalArgumentException(argument);
      case "progress":
        for (int i = 1; i <= Integer.parseInt(argument); i++) {
          context.progress("step " + i);
        }
        return bytes("done");
      case "sleep":
        context.progress("started");
        Thread.sleep(Long.parseLong(argument));
        return bytes("slept");
      case "spin":
        context.progress("started");
        long n = 0;
        while (!Thread.currentThread().isInterrupted()) { // a cooperative loop
          n++;
        }
        throw new InterruptedException("spun " + n + " times");
      case "spawn":
        return bytes(String.valueOf(new ProcessBuilder("sleep", "1000").start().pid()));
      case "spawn-session": // a JVM child leads no group, so setsid(1) execs sleep in place
        return bytes(String.valueOf(new ProcessBuilder("setsid", "sleep", "1000").start().pid()));
      default:
        throw new IllegalArgumentException("unknown command " + command);
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
