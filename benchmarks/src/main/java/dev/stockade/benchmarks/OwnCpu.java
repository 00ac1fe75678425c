package dev.stockade.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CPU time this JVM has used, read from {@code /proc/self}: the whole process's (user plus
 * system time, {@code /proc/self/stat}, which counts threads that have already ended too) and each
 * live thread's ({@code /proc/self/task/TID/stat}, named by {@code /proc/self/task/TID/comm}, which
 * the kernel cuts to 15 characters). Not a benchmark.
 *
 * <p>The kernel counts these times in clock ticks ({@code getconf CLK_TCK}, 100 per second on Linux
 * almost everywhere), so a window of {@code s} seconds resolves {@code 1 / (CLK_TCK × s)} of one
 * core: 0.05 % for 20 s.
 */
final class OwnCpu {
  private static final Path SELF = Path.of("/proc/self");

  /** Clock ticks per second, as {@code getconf CLK_TCK} says; 100 if it cannot be asked. */
  static final long TICKS_PER_SECOND = clockTicks();

  private OwnCpu() {}

  /**
   * What {@code /proc/self} said at one moment.
   *
   * @param wallNanos {@link System#nanoTime()} when it was read
   * @param processTicks user plus system time of the whole process, ended threads included
   * @param threadTicks each live thread's user plus system time, by thread id
   * @param threadNames each live thread's name ({@code comm}), by thread id
   */
  record Reading(
      long wallNanos,
      long processTicks,
      Map<Long, Long> threadTicks,
      Map<Long, String> threadNames) {

    int threads() {
      return threadTicks.size();
    }
  }

  /** Reads the process's and every live thread's CPU time now. */
  static Reading read() throws IOException {
    long wall = System.nanoTime();
    long process = ticksOf(SELF.resolve("stat"));
    Map<Long, Long> ticks = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(SELF.resolve("task"))) {
      for (Path task : tasks) {
        long tid = Long.parseLong(task.getFileName().toString());
        try {
          long t = ticksOf(task.resolve("stat"));
          String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
          ticks.put(tid, t);
          names.put(tid, name);
        } catch (NoSuchFileException ended) {
          // the thread ended while the directory was listed: the process total counts it
        }
      }
    }
    return new Reading(wall, process, ticks, names);
  }

  /** {@code ticks} of CPU over {@code wallNanos} of wall-clock time, in percent of one core. */
  static double percentOfOneCore(long ticks, long wallNanos) {
    double seconds = (double) ticks / TICKS_PER_SECOND;
    return 100.0 * seconds / (wallNanos / 1e9);
  }

  /**
   * Each thread group's ticks between two readings, a group being the threads whose names are alike
   * but for a number at their end ({@code GC Thread#0} and {@code GC Thread#1} are {@code GC
   * Thread#*}). A thread that started between the two counts from zero; one that ended between them
   * is missing here (but counted in the process total).
   */
  static Map<String, Long> ticksByGroup(Reading before, Reading after) {
    Map<String, Long> groups = new HashMap<>();
    for (Map.Entry<Long, Long> e : after.threadTicks().entrySet()) {
      long used = e.getValue() - before.threadTicks().getOrDefault(e.getKey(), 0L);
      groups.merge(groupOf(after.threadNames().get(e.getKey())), used, Long::sum);
    }
    return groups;
  }

  /** How many live threads each group (see {@link #ticksByGroup}) had at {@code reading}. */
  static Map<String, Integer> threadsByGroup(Reading reading) {
    Map<String, Integer> groups = new HashMap<>();
    for (String name : reading.threadNames().values()) {
      groups.merge(groupOf(name), 1, Integer::sum);
    }
    return groups;
  }

  /** The group of a thread name: the number at its end, if any, replaced by {@code *}. */
  static String groupOf(String threadName) {
    return threadName.replaceAll("[0-9]+$", "*");
  }

  private static long ticksOf(Path stat) throws IOException {
    String line = Files.readString(stat, StandardCharsets.US_ASCII);
    // The name, in parentheses, may hold spaces and parentheses: fields count from the last ')'.
    String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ", -1);
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return Long.parseLong(out);
      }
    } catch (IOException | NumberFormatException e) {
      // no getconf: Linux's USER_HZ is 100 on every common architecture
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }
}
