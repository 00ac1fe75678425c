package dev.stockade.internal.os;

import dev.stockade.EnvironmentNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code STOCKADE_TAG} of every process, read from {@code /proc/PID/environ} once per process
 * identity and remembered. A process's environment is inherited at fork, so the first read is the
 * one that matters; re-reading on every tick would cost one more file per process of the machine.
 * Entries of processes that ended are dropped on each update.
 *
 * <p>Thread-safe: one index serves a pool's housekeeper and its teardowns. Two threads may read the
 * same new process's environment once each; both store the same answer.
 */
public final class TagIndex {
  private static final String NONE = "";
  private static final byte[] TAG_NAME = EnvironmentNames.TAG.getBytes(StandardCharsets.US_ASCII);

  private static final boolean KTHREADD_IS_PID_2 = kthreaddIsPid2();

  private final Map<ProcessIdentity, String> tags = new ConcurrentHashMap<>();

  /** Reads the tags of processes not seen before and forgets those no longer in the table. */
  public void update(ProcessTable table) {
    // Only the range the table covers can be judged; entries below it stay.
    tags.keySet()
        .removeIf(identity -> identity.pid() >= table.floorPid() && table.find(identity) == null);
    learn(table.all());
  }

  /**
   * Reads the tags of the processes of {@code processes} not seen before; returns those whose
   * environment could not be read yet (caught mid-exec, or not readable), to be tried again.
   */
  public List<ProcessInfo> learn(Collection<ProcessInfo> processes) {
    List<ProcessInfo> unread = new ArrayList<>(0);
    for (ProcessInfo p : processes) {
      if (isKernelThread(p) || p.isEnded()) {
        continue;
      }
      ProcessIdentity identity = p.identity();
      if (tags.containsKey(identity)) {
        continue;
      }
      byte[] environ = ProcFs.readEnvironment(p.pid());
      if (environ == null || environ.length == 0) {
        // Only a readable, non-empty environment is final; an empty read can be a process
        // caught mid-exec, so it is read again next time.
        unread.add(p);
        continue;
      }
      String tag = ProcFs.findVariable(environ, TAG_NAME);
      tags.put(identity, tag == null ? NONE : tag);
    }
    return unread;
  }

  /** Forgets the processes at or above {@code floorPid} whose pid {@code listed} does not hold. */
  public void forgetAllBut(Set<Long> listed, long floorPid) {
    tags.keySet()
        .removeIf(identity -> identity.pid() >= floorPid && !listed.contains(identity.pid()));
  }

  /** The tag of the process, or null if it has none (or has not been read). */
  public String tagOf(ProcessInfo process) {
    String tag = tags.get(process.identity());
    return tag == null || tag.isEmpty() ? null : tag;
  }

  private static boolean isKernelThread(ProcessInfo p) {
    return KTHREADD_IS_PID_2 && (p.pid() == 2 || p.ppid() == 2);
  }

  /**
   * Whether pid 2 is the kernel's thread daemon, whose children are the kernel threads. Only in the
   * first PID namespace: in a container's, pid 2 is often the application itself (under an init
   * such as tini), and its children are the trees.
   */
  private static boolean kthreaddIsPid2() {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/2/stat")), StandardCharsets.US_ASCII)
          .startsWith("2 (kthreadd)");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
