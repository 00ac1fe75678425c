package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects the exit status of a zombie child of this JVM that one of its trees left behind, so that
 * it does not stay a zombie for the JVM's life. A JVM that is pid 1 of its namespace (a container
 * without an init) or a child subreaper inherits every orphan of its trees — a double-forked
 * daemon, Chromium's crashpad handler, the children of a killed browser — and the JDK waits only
 * for the processes it started itself.
 *
 * <p>Never a child that this JVM forked: the JDK's reaper thread (and the launcher's) waits for
 * those by pid, and one whose status was taken would see {@code ECHILD} and report a wrong exit
 * code. {@link TreeOrphans} decides which zombies are orphans of a tree; this class re-checks, just
 * before {@code waitpid(pid, WNOHANG)}, that the pid is still that zombie (same start time, state
 * Z), still a child of this JVM, not one its launchers still wait for, and not in this JVM's own
 * session (a process this JVM forked is in it unless it called setsid itself). A zombie's pid is
 * not reused until it is reaped, so nothing can take its place between the check and the wait.
 */
public final class OrphanReaper {
  /** This JVM's pid, the parent of every orphan it may reap. */
  static final long SELF = ProcessHandle.current().pid();

  private static final int WNOHANG = 1;
  private static final int PR_GET_CHILD_SUBREAPER = 37;

  interface CLibrary extends Library {
    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

    int prctl(int option, IntByReference arg2, long arg3, long arg4, long arg5)
        throws LastErrorException;
  }

  private static final CLibrary C = Native.load("c", CLibrary.class);

  /**
   * Children this JVM's launchers started and still wait for, never reaped here: a count per pid,
   * since a launcher may be told of a new child before it is told that the last one with that pid
   * was waited for.
   */
  private static final Map<Long, Integer> LAUNCHED = new ConcurrentHashMap<>();

  private OrphanReaper() {}

  /**
   * Whether orphans of this JVM's trees are re-parented to it: it is pid 1 of its namespace, or a
   * child subreaper. Anywhere else they go to init or to a subreaper above this JVM, and there is
   * nothing here to reap.
   */
  static boolean adoptsOrphans() {
    if (SELF == 1) {
      return true;
    }
    IntByReference on = new IntByReference();
    try {
      C.prctl(PR_GET_CHILD_SUBREAPER, on, 0, 0, 0);
    } catch (LastErrorException e) {
      return false;
    }
    return on.getValue() != 0;
  }

  /** Called by a launcher as soon as it knows the pid of a child it will wait for. */
  static void launched(long pid) {
    LAUNCHED.merge(pid, 1, Integer::sum);
  }

  /** Called by a launcher once it has waited for that child. */
  static void waited(long pid) {
    LAUNCHED.computeIfPresent(pid, (p, count) -> count == 1 ? null : count - 1);
  }

  /**
   * Reaps {@code zombie} if it is still that zombie, a child of this JVM outside its session that
   * no launcher waits for.
   */
  static boolean reap(ProcessIdentity zombie) {
    if (LAUNCHED.containsKey(zombie.pid())) {
      return false;
    }
    ProcessInfo now = ProcFs.readStat(zombie.pid());
    if (now == null || !now.is(zombie) || now.state() != 'Z' || now.ppid() != SELF) {
      return false;
    }
    ProcessInfo self = ProcFs.readStat(SELF);
    if (self == null || now.sid() == self.sid()) {
      return false;
    }
    try {
      return C.waitpid((int) zombie.pid(), new IntByReference(), WNOHANG) == zombie.pid();
    } catch (LastErrorException e) {
      return false; // ECHILD: someone else took it
    }
  }
}
