package dev.stockade.internal.lifeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line the supervising JVM sends its watchdog: a tree it started, cgroups it keeps empty
 * between trees, or either of them gone. A line is tab-separated text ({@code tree TAG PID START
 * TMPDIR [CGROUP...]}, {@code cgroup KEY CGROUP...}, {@code gone TAG}); tags, keys, pids and paths
 * the pool makes hold no tab or newline. A line the watchdog cannot read is skipped: the tag scan
 * at the end still finds that tree.
 *
 * @param kind what happened
 * @param tag the tree's {@code STOCKADE_TAG}, or the key of kept cgroups
 * @param rootPid the root's pid (trees only)
 * @param rootStartTime the root's start time in clock ticks since boot (trees only)
 * @param tempDirectory the tree's {@code TMPDIR}, or null (trees only)
 * @param cgroups the directories of the tree's cgroup, if it has one, or the kept ones
 */
record LifelineMessage(
    Kind kind,
    String tag,
    long rootPid,
    long rootStartTime,
    Path tempDirectory,
    List<Path> cgroups) {

  enum Kind {
    TREE,
    /** Cgroups kept between trees: no process to end, directories to remove. */
    CGROUP,
    GONE
  }

  static LifelineMessage tree(
      String tag, long rootPid, long rootStartTime, Path tempDirectory, List<Path> cgroups) {
    return new LifelineMessage(
        Kind.TREE, tag, rootPid, rootStartTime, tempDirectory, List.copyOf(cgroups));
  }

  static LifelineMessage keptCgroup(String key, List<Path> cgroups) {
    return new LifelineMessage(Kind.CGROUP, key, 0, 0, null, List.copyOf(cgroups));
  }

  static LifelineMessage gone(String tag) {
    return new LifelineMessage(Kind.GONE, tag, 0, 0, null, List.of());
  }

  String toLine() {
    if (kind == Kind.GONE) {
      return "gone\t" + tag + "\n";
    }
    if (kind == Kind.CGROUP) {
      StringBuilder line = new StringBuilder("cgroup\t").append(tag);
      cgroups.forEach(c -> line.append('\t').append(c));
      return line.append('\n').toString();
    }
    StringBuilder line =
        new StringBuilder("tree\t")
            .append(tag)
            .append('\t')
            .append(rootPid)
            .append('\t')
            .append(rootStartTime)
            .append('\t')
            .append(tempDirectory == null ? "" : tempDirectory.toString());
    for (Path cgroup : cgroups) {
      line.append('\t').append(cgroup);
    }
    return line.append('\n').toString();
  }

  /** The message of {@code line} (without its newline), or empty if it is not one. */
  static Optional<LifelineMessage> parse(String line) {
    String[] fields = line.split("\t", -1);
    try {
      if (fields.length == 2 && fields[0].equals("gone") && !fields[1].isEmpty()) {
        return Optional.of(gone(fields[1]));
      }
      if (fields.length >= 3 && fields[0].equals("cgroup") && !fields[1].isEmpty()) {
        List<Path> cgroups = new ArrayList<>();
        for (int i = 2; i < fields.length; i++) {
          if (fields[i].isEmpty()) {
            return Optional.empty();
          }
          cgroups.add(Path.of(fields[i]));
        }
        return Optional.of(keptCgroup(fields[1], cgroups));
      }
      if (fields.length >= 5 && fields[0].equals("tree") && !fields[1].isEmpty()) {
        List<Path> cgroups = new ArrayList<>();
        for (int i = 5; i < fields.length; i++) {
          if (fields[i].isEmpty()) {
            return Optional.empty();
          }
          cgroups.add(Path.of(fields[i]));
        }
        return Optional.of(
            tree(
                fields[1],
                Long.parseLong(fields[2]),
                Long.parseLong(fields[3]),
                fields[4].isEmpty() ? null : Path.of(fields[4]),
                cgroups));
      }
    } catch (RuntimeException e) {
      // a number or path that does not parse: not a message
    }
    return Optional.empty();
  }
}
