package dev.stockade.testing;

import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A JVM worker handler for tests whose input is a small script, {@code verb:argument}: {@code
 * echo:x}, {@code pid}, {@code property:name} (a system property of the worker's JVM), {@code
 * max-heap-mib}, {@code sleep:ms} (interruptible), {@code spin} (ignores interrupts), {@code
 * spin-marked:path} (creates the file, then spins), {@code progress-spin:ms} (reports progress
 * every ms, forever), {@code fail:msg}, {@code print:x} (to System.out, and through a child process
 * that inherits stdout), {@code allocate:mib} (kept until the worker ends), {@code crash-once:path}
 * (halts the JVM unless the file exists, creating it first), {@code halt:code}, {@code
 * invalid-utf8}, {@code spin-child} (starts a child shell that spins on the CPU, and sleeps),
 * {@code stubborn-child} (a child that ignores SIGTERM, and sleeps), {@code hog:mib} (a child
 * process holding that much memory, until the tree is ended), and {@code note:path|name|script},
 * which appends a line {@code name} to the file {@code path} — a record, kept by the worker itself,
 * of each time a task ran — then runs {@code script}; {@code say-then-sleep:text} writes the text
 * to stderr and sleeps until interrupted, {@code last-words:text} writes it and halts the JVM with
 * 41.
 */
public final class ScriptedHandler implements Handler {
  private final List<byte[]> kept = new ArrayList<>();

  @Override
  public byte[] handle(byte[] input, TaskContext context) throws Exception {
    String script = new String(input, StandardCharsets.UTF_8);
    int colon = script.indexOf(':');
    String verb = colon < 0 ? script : script.substring(0, colon);
    String argument = colon < 0 ? "" : script.substring(colon + 1);
    switch (verb) {
      case "note":
        String[] parts = argument.split("\\|", 3);
        Files.writeString(
            Path.of(parts[0]),
            parts[1] + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        return handle(parts[2].getBytes(StandardCharsets.UTF_8), context);
      case "echo":
        return argument.getBytes(StandardCharsets.UTF_8);
      case "pid":
        return text(ProcessHandle.current().pid());
      case "property":
        return text(System.getProperty(argument, "-"));
      case "max-heap-mib":
        return text(Runtime.getRuntime().maxMemory() >> 20);
      case "sleep":
        Thread.sleep(Long.parseLong(argument));
        return text("slept");
      case "await-file":
        // Runs until the test creates the file: its end is the test's to choose.
        while (!Files.exists(Path.of(argument))) {
          Thread.sleep(10);
        }
        return text("released");
      case "spin-marked":
        // Says it runs (the file), then spins: a test that waits for the file cancels a handler
        // that is running, not one still on its way.
        Files.createFile(Path.of(argument));
      // fall through: spin
      case "spin":
        long x = 0;
        while (true) {
          x += System.nanoTime() & 1;
          Thread.interrupted();
          if (x == Long.MIN_VALUE) {
            return text(x);
          }
        }
      case "progress-spin":
        while (true) {
          context.progress("still here");
          Thread.sleep(Long.parseLong(argument));
        }
      case "fail":
        throw new IllegalStateException(argument);
      case "print":
        System.out.println(argument);
        Process child =
            new ProcessBuilder("sh", "-c", "echo child says " + argument).inheritIO().start();
        child.waitFor();
        return text("printed");
      case "allocate":
        int mib = Integer.parseInt(argument);
        for (int i = 0; i < mib; i++) {
          byte[] block = new byte[1 << 20];
          for (int j = 0; j < block.length; j += 4096) {
            block[j] = 1; // touch every page, so it is resident
          }
          kept.add(block);
        }
        return text("allocated " + mib);
      case "fork":
        // Starts N children that outlive the task unless the tree is ended.
        new ProcessBuilder(
                "sh",
                "-c",
                "i=0; while [ $i -lt "
                    + Integer.parseInt(argument)
                    + " ]; do sleep 600 & i=$((i+1)); done; wait")
            .inheritIO()
            .start();
        Thread.sleep(600_000);
        return text("forked");
      case "hog":
        // A child that holds MIB mebibytes of touched memory until the tree is ended.
        new ProcessBuilder(
                "dd", "if=/dev/zero", "of=/dev/null", "bs=" + argument + "M", "count=1000000")
            .inheritIO()
            .start();
        Thread.sleep(600_000);
        return text("hogged");
      case "stubborn-child":
        // A child that ignores SIGTERM: ending this tree takes the whole termination grace.
        new ProcessBuilder("sh", "-c", "trap '' TERM; sleep 600 & wait").inheritIO().start();
        Thread.sleep(600_000);
        return text("stubborn");
      case "spin-child":
        new ProcessBuilder("sh", "-c", "while :; do :; done").inheritIO().start();
        Thread.sleep(600_000);
        return text("spun");
      case "crash-once":
        Path marker = Path.of(argument);
        if (!Files.exists(marker)) {
          Files.createFile(marker);
          Runtime.getRuntime().halt(41);
        }
        return text("survived");
      case "invalid-utf8":
        return new byte[] {(byte) 0xC3, (byte) 0x28};
      case "say-then-sleep":
        System.err.println(argument);
        Thread.sleep(600_000);
        return text("woke");
      case "last-words":
        System.err.println(argument);
        System.err.flush();
        Runtime.getRuntime().halt(41);
        return text("unreachable");
      case "halt":
        Runtime.getRuntime().halt(Integer.parseInt(argument));
        return text("unreachable");
      default:
        throw new IllegalArgumentException("unknown verb " + verb);
    }
  }

  private static byte[] text(Object value) {
    return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
  }
}
