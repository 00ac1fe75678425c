package dev.stockade.benchmarks;

import dev.stockade.Command;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Idle trees of 10 processes for the supervisor's cost to be measured on, and the witness that
 * finds them. Each tree is {@code sh -c} starting 9 {@code sleep 600.NNNNNN} in the background and
 * waiting; {@code 600.NNNNNN} is drawn once per instance, so every process of its trees (the
 * shell's script holds it too) and no other process on the machine has it in its command line. The
 * witness reads {@code /proc} directly and owes nothing to the pool. Not a benchmark.
 */
final class IdleTrees {
  /** The shell and its 9 sleeps. */
  static final int PROCESSES_PER_TREE = 10;

  private final String marker =
      "600." + String.format(Locale.ROOT, "%06d", ThreadLocalRandom.current().nextInt(1_000_000));

  /** The argument every sleep of these trees has, as {@code sleep 600.NNNNNN}. */
  String marker() {
    return "sleep " + marker;
  }

  /** The command that starts one tree. */
  Command command() {
    return Command.of(
        "/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9; do sleep " + marker + " & done; wait");
  }

  /** Pids of the live (not zombie) processes of these trees, from every /proc/PID/cmdline. */
  List<Long> alive() {
    byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
    List<Long> found = new ArrayList<>();
    String[] names = new File("/proc").list();
    for (String name : names == null ? new String[0] : names) {
      if (!name.chars().allMatch(Character::isDigit)) {
        continue;
      }
      Path dir = Path.of("/proc", name);
      try {
        if (!contains(Files.readAllBytes(dir.resolve("cmdline")), needle)) {
          continue;
        }
        String stat = Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII);
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        if (state != 'Z' && state != 'X') {
          found.add(Long.parseLong(name));
        }
      } catch (IOException gone) {
        // ended while the table was read
      }
    }
    return found;
  }

  /**
   * Waits up to {@code bound} for no process of these trees to be alive; kills any still alive
   * then, and returns their pids (empty when none was left).
   */
  List<Long> killLeftAfter(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    List<Long> left = alive();
    while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      left = alive();
    }
    left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    return left;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
