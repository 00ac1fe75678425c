package dev.stockade.internal.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * A worker's cgroup directory known only by its path — to the lifeline's watchdog, after the JVM
 * that made it died: ends every process in it and removes it, with its pool's directory once that
 * holds no other group. Works for either version: {@code cgroup.kill} where the kernel has it, else
 * kill rounds over {@code cgroup.procs}.
 */
public final class CgroupRemnant {
  private static final Duration KILL_BOUND = Duration.ofSeconds(2);
  private static final Duration REMOVE_BOUND = Duration.ofSeconds(1);

  private CgroupRemnant() {}

  /** Ends and removes the group at {@code directory}; returns how many processes it held. */
  public static int killAndRemove(Path directory) {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    int found = 0;
    try {
      Path procs = directory.resolve("cgroup.procs");
      Set<Long> members = CgroupFiles.readPidsOfSubtree(directory, new TreeSet<>());
      found = members.size();
      Path kill = directory.resolve("cgroup.kill");
      if (!members.isEmpty() && Files.exists(kill)) {
        CgroupFiles.write(kill, "1");
      }
      if (Files.exists(procs)) {
        KillLoop.killAll(
            directory.toString(),
            () -> CgroupFiles.readPidsOfSubtree(directory, new TreeSet<>()),
            CgroupFreezer.NONE,
            KILL_BOUND);
      }
      CgroupFiles.removeSubtree(directory, REMOVE_BOUND);
      Files.deleteIfExists(directory.getParent());
    } catch (IOException e) {
      // The pool's directory still holds other groups, or the group was busy: the start-up
      // sweep of the next run finds what is left.
    }
    return found;
  }
}
