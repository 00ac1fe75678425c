package dev.stockade.internal.lifeline;

import dev.stockade.internal.cgroup.CgroupBase;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.Tags;
import dev.stockade.internal.os.TempDirectories;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a previous, killed run of a pool left behind, found and ended when a pool of the same name
 * starts: the backstop for a run whose watchdog died with it.
 *
 * <p>A leftover is a process whose {@code STOCKADE_TAG} names a pool of this name and a supervising
 * JVM that is gone (its pid names no process, or a process started after the leftover, so a
 * recycled pid), with the trees such processes lead to; and a temporary directory named after such
 * a pool whose JVM's pid names no process. Only what this user owns is touched: never the trees of
 * a live pool of the same name, in this JVM or another, and never another user's processes or
 * directories. Leftovers are ended at once (SIGSTOP, walk, SIGKILL): nobody waits for their output
 * any more.
 */
public final class LeftoverSweep {
  private static final Logger log = LoggerFactory.getLogger(LeftoverSweep.class);

  /**
   * What a sweep ended.
   *
   * @param trees the tags of the trees ended
   * @param processesEnded how many processes of them were ended
   * @param temporaryDirectories the temporary directories removed
   */
  public record Report(List<String> trees, int processesEnded, List<Path> temporaryDirectories) {
    public boolean isEmpty() {
      return trees.isEmpty() && temporaryDirectories.isEmpty();
    }
  }

  private LeftoverSweep() {}

  /**
   * Ends and removes what killed runs of pool {@code poolName} left — processes, temporary
   * directories, and the pools' cgroups under {@code cgroups} — and logs it if anything.
   */
  public static Report sweep(String poolName, Optional<CgroupBase> cgroups) {
    ProcessTable table = ProcessTable.scan();
    TagIndex tags = new TagIndex();
    tags.update(table);
    Long uid = uidOf(Path.of("/proc/self"));
    Map<String, ProcessIdentity> roots = new LinkedHashMap<>();
    leftoverRoots(poolName, table, tags, uid).forEach((tag, p) -> roots.put(tag, p.identity()));
    int ended = OrphanedTrees.endAll(roots, tags).ended();
    List<String> trees = new ArrayList<>(roots.keySet());
    List<Path> directories = removeTemporaryDirectories(poolName, uid);
    cgroups.ifPresent(base -> directories.addAll(removeCgroups(poolName, base)));
    Report report = new Report(trees, ended, directories);
    if (!report.isEmpty()) {
      log.warn(
          "pool '{}': a previous run's supervisor is gone; ended {} processes of its trees"
              + " {} and removed {} temporary directories and cgroups {}",
          poolName,
          ended,
          trees,
          directories.size(),
          directories);
    }
    return report;
  }

  /** The oldest live process of each leftover tree, by tag. */
  private static Map<String, ProcessInfo> leftoverRoots(
      String poolName, ProcessTable table, TagIndex tags, Long uid) {
    Map<String, ProcessInfo> roots = new LinkedHashMap<>();
    String prefix = poolName + "@";
    for (ProcessInfo p : table.all()) {
      String tag = tags.tagOf(p);
      if (p.isEnded()
          || tag == null
          || !tag.startsWith(prefix)
          || supervisorAlive(Tags.supervisorPid(tag), p)
          || !ownedBy(p, uid)) {
        continue;
      }
      roots.merge(tag, p, (a, b) -> a.startTime() <= b.startTime() ? a : b);
    }
    return roots;
  }

  /**
   * Whether the JVM that started {@code leftover} may still be alive: a process with its pid exists
   * that is not younger than the leftover. An unreadable tag (-1) counts as alive.
   */
  private static boolean supervisorAlive(long pid, ProcessInfo leftover) {
    if (pid <= 0) {
      return true;
    }
    ProcessInfo supervisor = ProcFs.readStat(pid);
    return supervisor != null
        && !supervisor.isEnded()
        && supervisor.startTime() <= leftover.startTime();
  }

  private static boolean ownedBy(ProcessInfo p, Long uid) {
    Long owner = uidOf(Path.of("/proc", Long.toString(p.pid())));
    return uid != null && uid.equals(owner);
  }

  /**
   * {@code stockade-NAME@PID-…} directories of the temporary folder whose PID is no process (a pool
   * name longer than the directories hold matches the other pools it shares that much with; only a
   * dead JVM's directories are removed all the same).
   */
  private static List<Path> removeTemporaryDirectories(String poolName, Long uid) {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    String prefix = TempDirectories.prefixFor(poolName);
    List<Path> removed = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp, prefix + "*")) {
      for (Path dir : entries) {
        String rest = dir.getFileName().toString().substring(prefix.length());
        int dash = rest.indexOf('-');
        long pid = parsePid(dash < 0 ? "" : rest.substring(0, dash));
        if (pid > 0
            && ProcFs.readStat(pid) == null
            && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
            && uid != null
            && uid.equals(uidOf(dir))) {
          TempDirectories.delete(dir);
          if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            removed.add(dir);
          }
        }
      }
    } catch (IOException e) {
      log.warn("pool '{}': could not list {} for leftovers: {}", poolName, tmp, e.toString());
    }
    return removed;
  }

  /** The cgroups of pools of this name whose JVM's pid names no process. */
  private static List<Path> removeCgroups(String poolName, CgroupBase base) {
    List<Path> removed = new ArrayList<>();
    try {
      for (String poolId : base.poolIds()) {
        long pid = Tags.supervisorPid(poolId);
        if (poolId.startsWith(poolName + "@") && pid > 0 && ProcFs.readStat(pid) == null) {
          Path directory = base.worker(poolId, "w0").directory().getParent();
          base.removePool(poolId, Duration.ofSeconds(2));
          removed.add(directory);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "pool '{}': could not sweep cgroups under {}: {}",
          poolName,
          base.description(),
          e.toString());
    }
    return removed;
  }

  private static long parsePid(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Long uidOf(Path path) {
    try {
      return ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null;
    }
  }
}
