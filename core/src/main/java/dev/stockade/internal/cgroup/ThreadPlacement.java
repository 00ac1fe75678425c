package dev.stockade.internal.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a tree's root inside its cgroup v1 groups without a shell prelude: the launching thread
 * moves itself, and only itself, into the worker's groups, starts the process, and moves back.
 *
 * <p>Why it is sound: the kernel creates a child in the cgroups of the thread that forks it ({@code
 * cgroup_fork} copies the forking task's set), so the root is inside every hierarchy before it runs
 * a single instruction, and so is everything it ever starts. Under v1 a thread moves alone when its
 * tid is written to a group's {@code tasks} file; writing {@code 0} names the writing thread, and
 * the kernel then needs no lock over the whole thread group, which makes the move cheap (tens of
 * microseconds, against about a millisecond for a shell that joins and execs). The JVM's other
 * threads never move, and its memory stays charged where it was: a v1 memory cgroup charges pages
 * to the owner of the address space, not to the thread.
 *
 * <p>While the thread is inside, the JVM's pid is listed in the group's {@code cgroup.procs}: the
 * thread is back before the launch returns, so before anything reads or ends the group. Not for
 * cgroup v2, where a thread of a process cannot be in another domain group than its siblings.
 */
final class ThreadPlacement {
  private static final Logger log = LoggerFactory.getLogger(ThreadPlacement.class);
  private static final Path OWN_CGROUPS = Path.of("/proc/thread-self/cgroup");

  private final Map<String, CgroupMounts.Hierarchy> hierarchies;

  /**
   * @param hierarchies the mounted hierarchy of each controller the worker groups use
   */
  ThreadPlacement(Map<String, CgroupMounts.Hierarchy> hierarchies) {
    this.hierarchies = Map.copyOf(hierarchies);
  }

  /** The calling thread in the worker's groups, until {@link #close()} moves it back. */
  interface Placed extends AutoCloseable {
    /**
     * Moves the thread back to the groups it came from.
     *
     * @throws IOException naming the group it could not leave; the thread was then moved to the
     *     hierarchy's root group instead where the kernel allowed it
     */
    @Override
    void close() throws IOException;
  }

  /**
   * Moves the calling thread into {@code tasksFiles} (one per controller, as {@link
   * WorkerCgroup#tasksFiles()} gives them).
   *
   * @throws IOException if it cannot, having moved the thread back from any group it had entered
   */
  Placed enter(Map<String, Path> tasksFiles) throws IOException {
    Map<String, Path> home = ownTasksFiles(tasksFiles.keySet());
    List<Path> left = new ArrayList<>();
    try {
      for (Map.Entry<String, Path> e : tasksFiles.entrySet()) {
        CgroupFiles.write(e.getValue(), "0");
        left.add(home.get(e.getKey()));
      }
    } catch (IOException e) {
      try {
        moveBack(left);
      } catch (IOException back) {
        e.addSuppressed(back);
      }
      throw e;
    }
    List<Path> back = List.copyOf(home.values());
    return () -> moveBack(back);
  }

  private void moveBack(List<Path> homes) throws IOException {
    IOException first = null;
    for (Path tasks : homes) {
      try {
        CgroupFiles.write(tasks, "0");
      } catch (IOException e) {
        // Never stay in a worker's group: its teardown would find the JVM there.
        Path root = tasks.getParent().getParent();
        for (CgroupMounts.Hierarchy h : hierarchies.values()) {
          if (tasks.startsWith(h.mountPoint())) {
            root = h.mountPoint();
          }
        }
        try {
          CgroupFiles.write(root.resolve("tasks"), "0");
        } catch (IOException rootRefused) {
          e.addSuppressed(rootRefused);
        }
        log.error("the launching thread could not return to {}: {}", tasks, e.toString());
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The {@code tasks} file of the calling thread's own group, per controller. */
  private Map<String, Path> ownTasksFiles(Iterable<String> controllers) throws IOException {
    String content = new String(Files.readAllBytes(OWN_CGROUPS), StandardCharsets.US_ASCII);
    Map<String, Path> home = new LinkedHashMap<>();
    for (String controller : controllers) {
      CgroupMounts.Hierarchy h = hierarchies.get(controller);
      Optional<Path> dir =
          h == null ? Optional.empty() : pathOf(content, controller).flatMap(h::directoryOf);
      if (dir.isEmpty()) {
        throw new IOException(
            "this thread's cgroup v1 "
                + controller
                + " group is not reachable through its mount, per "
                + OWN_CGROUPS);
      }
      home.put(controller, dir.get().resolve("tasks"));
    }
    return home;
  }

  /** The group path of {@code controller} in the text of a {@code /proc/PID/cgroup} file. */
  static Optional<String> pathOf(String procCgroup, String controller) {
    for (String line : CgroupFiles.lines(procCgroup)) {
      String[] fields = line.split(":", 3);
      if (fields.length == 3 && List.of(fields[1].split(",")).contains(controller)) {
        return Optional.of(fields[2]);
      }
    }
    return Optional.empty();
  }
}
