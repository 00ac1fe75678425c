package dev.stockade.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine's processes as {@code /proc} shows them, read by these few lines alone and no code of
 * the library, so that a test's view of what is left does not share the library's blind spots.
 */
public final class ProcessList {
  /**
   * One process: {@code state} is the letter of {@code /proc/PID/stat} (Z for a zombie), {@code
   * name} the command name, {@code args} the command line (empty for a zombie).
   */
  public record Entry(
      long pid,
      long ppid,
      long pgid,
      long sid,
      char state,
      long startTime,
      String name,
      String args) {
    /** A process known only by its pid and start time, as another JVM reported it. */
    public static Entry of(long pid, long startTime) {
      return new Entry(pid, 0, 0, 0, '?', startTime, "?", "");
    }

    public boolean isZombie() {
      return state == 'Z' || state == 'X';
    }

    @Override
    public String toString() {
      return pid
          + " (parent "
          + ppid
          + ", "
          + state
          + ") "
          + (args.isEmpty() ? "[" + name + "]" : args);
    }
  }

  private final Map<Long, Entry> byPid;

  private ProcessList(Map<Long, Entry> byPid) {
    this.byPid = byPid;
  }

  /** Reads every process now. */
  public static ProcessList now() {
    Map<Long, Entry> all = new HashMap<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : proc) {
        Entry e = read(dir);
        if (e != null) {
          all.put(e.pid(), e);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return new ProcessList(all);
  }

  private static Entry read(Path dir) {
    String stat;
    String args;
    try {
      stat = Files.readString(dir.resolve("stat"), StandardCharsets.ISO_8859_1);
      args =
          new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8)
              .replace('\0', ' ')
              .trim();
    } catch (IOException e) {
      return null; // gone meanwhile
    }
    // Fields after the command name, which is in parentheses and may hold anything.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return new Entry(
        Long.parseLong(dir.getFileName().toString()),
        Long.parseLong(f[1]),
        Long.parseLong(f[2]),
        Long.parseLong(f[3]),
        f[0].charAt(0),
        Long.parseLong(f[19]),
        stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        args);
  }

  /** Clock ticks since boot now, the unit of {@link Entry#startTime()}. */
  public static long uptimeTicks() {
    try {
      String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII);
      return (long) (Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 100) - 1;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/uptime", e);
    }
  }

  /** The process {@code pid} now, or null if there is none. */
  public static Entry of(long pid) {
    return read(Path.of("/proc", Long.toString(pid)));
  }

  public Entry get(long pid) {
    return byPid.get(pid);
  }

  /** The descendants of {@code pid}, by parent links, parents before their children. */
  public List<Entry> descendantsOf(long pid) {
    Map<Long, List<Entry>> children = new HashMap<>();
    for (Entry e : byPid.values()) {
      children.computeIfAbsent(e.ppid(), k -> new ArrayList<>()).add(e);
    }
    Map<Long, Entry> found = new LinkedHashMap<>();
    Deque<Long> frontier = new ArrayDeque<>(List.of(pid));
    while (!frontier.isEmpty()) {
      for (Entry child : children.getOrDefault(frontier.poll(), List.of())) {
        if (found.putIfAbsent(child.pid(), child) == null) {
          frontier.add(child.pid());
        }
      }
    }
    return new ArrayList<>(found.values());
  }
}
