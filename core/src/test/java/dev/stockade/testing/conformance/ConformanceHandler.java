package dev.stockade.testing.conformance;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM handler of the runtime conformance test; the same commands as {@code
 * workers/python/conformance_worker.py}: {@code echo:<bytes>}, {@code print:<text>}, {@code
 * fail:<message>}, {@code progress:<n>}, {@code sleep:<ms>}, {@code spin}, {@code spawn}, {@code
 * spawn-session}, {@code pid}, {@code mark:<file>} (creates the file in the working directory),
 * {@code big:<bytes>}, {@code fail-long:<ascii>:<count>}, {@code fail-trace:<ascii>:<count>},
 * {@code progress-long:<ascii>:<count>} (the long text: that many "a"s, then that many four-byte
 * characters), {@code late-progress} and {@code stop-late}.
 */
public final class ConformanceHandler implements Handler {
  /** The helper {@code late-progress} leaves behind, until {@code stop-late} stops it. */
  private Thread lateHelper;

  private final AtomicBoolean stopLate = new AtomicBoolean();
  private final AtomicInteger lateSent = new AtomicInteger();
  private final AtomicInteger lateDropped = new AtomicInteger();

  @Override
  public byte[] handle(byte[] input, TaskContext context) throws Exception {
    int colon = indexOf(input, (byte) ':');
    String command = new String(input, 0, colon < 0 ? input.length : colon, StandardCharsets.UTF_8);
    byte[] rawArgument =
        colon < 0 ? new byte[0] : Arrays.copyOfRange(input, colon + 1, input.length);
    String argument = new String(rawArgument, StandardCharsets.UTF_8);
    switch (command) {
      case "echo":
        return rawArgument;
      case "print":
        System.out.println(argument);
        new ProcessBuilder("sh", "-c", "echo child-output; echo child-err >&2")
            .inheritIO()
            .start()
            .waitFor();
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
      case "pid":
        return bytes(String.valueOf(ProcessHandle.current().pid()));
      case "mark": // a file in the working directory: proof that this input ran
        Files.createFile(Path.of(argument));
        return bytes("marked");
      case "big":
        byte[] big = new byte[Integer.parseInt(argument)];
        Arrays.fill(big, (byte) 'x');
        return big;
      case "fail-long":
        throw new IllegalArgumentException(longText(argument));
      case "fail-trace": // the long text is in the cause, which the trace shows
        throw new IllegalArgumentException("short", new IllegalStateException(longText(argument)));
      case "progress-long":
        return bytes(context.progress(longText(argument)) ? "sent" : "dropped");
      case "late-progress":
        lateHelper = new Thread(() -> sendLateNotes(context), "late-progress");
        lateHelper.setDaemon(true);
        lateHelper.start();
        return bytes("returned");
      case "stop-late":
        stopLate.set(true);
        lateHelper.join();
        return bytes("sent " + lateSent.get() + " dropped " + lateDropped.get());
      case "spawn":
        return bytes(String.valueOf(new ProcessBuilder("sleep", "1000").start().pid()));
      case "spawn-session": // a JVM child leads no group, so setsid(1) execs sleep in place
        return bytes(String.valueOf(new ProcessBuilder("setsid", "sleep", "1000").start().pid()));
      default:
        throw new IllegalArgumentException("unknown command " + command);
    }
  }

  /** Goes on reporting progress for its task after the handler returned, until stopped. */
  private void sendLateNotes(TaskContext context) {
    while (!stopLate.get()) {
      (context.progress("late") ? lateSent : lateDropped).incrementAndGet();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static String longText(String argument) {
    String[] counts = argument.split(":", -1);
    return "a".repeat(Integer.parseInt(counts[0]))
        + "\uD834\uDD1E".repeat(Integer.parseInt(counts[1])); // U+1D11E, four bytes in UTF-8
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
