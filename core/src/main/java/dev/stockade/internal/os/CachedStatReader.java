package dev.stockade.internal.os;

import com.sun.jna.Memory;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code /proc/PID/stat} through file descriptors kept open from one housekeeper tick to the
 * next: a {@code pread} at offset 0 makes the kernel render the line afresh, so a sample of a
 * steady tree costs one system call per process instead of open, read and close.
 *
 * <p>An open descriptor stays bound to the process it was opened for: once that process is reaped,
 * reads fail with ESRCH, and a new process that reuses the pid is read through a fresh descriptor.
 * Descriptors of pids a scan no longer lists are closed after each scan; at most {@link #MAX_OPEN}
 * are kept, beyond which stat files are read the ordinary way.
 *
 * <p>Not thread-safe: owned by one housekeeper.
 */
public final class CachedStatReader implements ProcessTable.StatSource, AutoCloseable {
  static final int MAX_OPEN = 4096;
  private static final int BUFFER_SIZE = 1024;

  private final Map<Long, Integer> open = new HashMap<>();
  private final Memory buffer = new Memory(BUFFER_SIZE);
  private final byte[] bytes = new byte[BUFFER_SIZE];

  @Override
  public ProcessInfo read(long pid) {
    if (!DirectLibc.AVAILABLE) {
      return ProcFs.readStat(pid);
    }
    Integer fd = open.get(pid);
    if (fd != null) {
      ProcessInfo info = readFrom(fd, pid);
      if (info != null) {
        return info;
      }
      // The process the descriptor was opened for is gone; the pid may belong to a new one.
      DirectLibc.close(fd);
      open.remove(pid);
    }
    if (open.size() >= MAX_OPEN) {
      return ProcFs.readStat(pid);
    }
    int newFd = DirectLibc.open("/proc/" + pid + "/stat", DirectLibc.O_RDONLY_CLOEXEC);
    if (newFd < 0) {
      return null;
    }
    ProcessInfo info = readFrom(newFd, pid);
    if (info == null) {
      DirectLibc.close(newFd);
      return null;
    }
    open.put(pid, newFd);
    return info;
  }

  private ProcessInfo readFrom(int fd, long pid) {
    long n = DirectLibc.pread(fd, buffer, BUFFER_SIZE, 0);
    if (n <= 0) {
      return null;
    }
    buffer.read(0, bytes, 0, (int) n);
    return ProcFs.parseStat(pid, bytes, (int) n);
  }

  /** Closes the descriptors of every pid not in {@code listed}. */
  @Override
  public void retainOnly(Set<Long> listed) {
    for (Iterator<Map.Entry<Long, Integer>> it = open.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Integer> entry = it.next();
      if (!listed.contains(entry.getKey())) {
        DirectLibc.close(entry.getValue());
        it.remove();
      }
    }
  }

  /** Descriptors held now. */
  int openCount() {
    return open.size();
  }

  @Override
  public void close() {
    retainOnly(Set.of());
  }
}
