package dev.stockade.junit;

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
 * The machine's processes as {@code /proc} shows them at one moment, where there is a {@code
 * /proc}; elsewhere only what the JDK's {@link ProcessHandle} sees of this JVM's descendants.
 */
final class ProcessTable {
  static final boolean HAS_PROC = Files.isDirectory(Path.of("/proc/self"));

  private final Map<Long, ProcessEntry> byPid;

  private ProcessTable(Map<Long, ProcessEntry> byPid) {
    this.byPid = byPid;
  }

  /** Every process now. */
  static ProcessTable now() {
    Map<Long, ProcessEntry> all = new HashMap<>();
    if (!HAS_PROC) {
      return new ProcessTable(all);
    }
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : proc) {
        ProcessEntry e = read(dir);
        if (e != null) {
          all.put(e.pid(), e);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return new ProcessTable(all);
  }

  /** The process {@code pid} now, or null if there is none (or no {@code /proc}). */
  static ProcessEntry of(long pid) {
    return HAS_PROC ? read(Path.of("/proc", Long.toString(pid))) : null;
  }

  private static ProcessEntry read(Path dir) {
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
    // The fields after the command name, which is in parentheses and may hold anything.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return new ProcessEntry(
        Long.parseLong(dir.getFileName().toString()),
        Long.parseLong(f[1]),
        f[0].charAt(0),
        Long.parseLong(f[19]),
        stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        args);
  }

  /**
   * The descendants of {@code pid}, zombies included, by parent links and by the JDK's own view
   * (which sees them where there is no {@code /proc}, with their command lines where it can).
   */
  List<ProcessEntry> descendantsOf(long pid) {
    Map<Long, List<ProcessEntry>> children = new HashMap<>();
    for (ProcessEntry e : byPid.values()) {
      children.computeIfAbsent(e.ppid(), k -> new ArrayList<>()).add(e);
    }
    Map<Long, ProcessEntry> found = new LinkedHashMap<>();
    Deque<Long> frontier = new ArrayDeque<>(List.of(pid));
    while (!frontier.isEmpty()) {
      for (ProcessEntry child : children.getOrDefault(frontier.poll(), List.of())) {
        if (found.putIfAbsent(child.pid(), child) == null) {
          frontier.add(child.pid());
        }
      }
    }
    ProcessHandle.of(pid)
        .ifPresent(
            self ->
                self.descendants()
                    .forEach(
                        h -> {
                          ProcessEntry e = HAS_PROC ? byPid.get(h.pid()) : fromHandle(h);
                          if (e != null) {
                            found.putIfAbsent(h.pid(), e); // else it ended between the reads
                          }
                        }));
    return new ArrayList<>(found.values());
  }

  private static ProcessEntry fromHandle(ProcessHandle h) {
    ProcessHandle.Info info = h.info();
    return new ProcessEntry(
        h.pid(),
        h.parent().map(ProcessHandle::pid).orElse(0L),
        h.isAlive() ? 'R' : 'Z',
        info.startInstant().map(i -> i.toEpochMilli()).orElse(0L),
        info.command().orElse("?"),
        info.commandLine().orElse(""));
  }
}
