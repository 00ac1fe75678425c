package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends signals only to the process that was meant: a pid is checked against the start time
 * recorded when the process was first seen, so a recycled pid is never hit.
 *
 * <p>Where the kernel has {@code pidfd_open} (5.3+), the check has no race at all: the pidfd pins
 * the process, its start time is compared, and the signal goes through the pidfd. On older kernels
 * the start time is checked just before {@code kill(2)}, which leaves only the window of one system
 * call.
 */
public final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  // Syscall numbers of the unified table (the same on every architecture since Linux 5.1).
  private static final long SYS_PIDFD_SEND_SIGNAL = 424;
  private static final long SYS_PIDFD_OPEN = 434;
  private static final int ESRCH = 3;
  private static final int ENOSYS = 38;

  interface CLibrary extends Library {
    int kill(int pid, int signal) throws LastErrorException;

    long syscall(long number, Object... args) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int getpagesize();
  }

  private static final CLibrary C = Native.load("c", CLibrary.class);
  private static volatile boolean pidfdAvailable = true;

  private static final long OWN_PID = ProcessHandle.current().pid();

  private Signals() {}

  /** Outcome of one send. */
  public enum Delivery {
    /** The signal reached the process. */
    SENT,
    /** The process had ended, or its pid now belongs to another process: nothing was sent. */
    GONE
  }

  /** Sends {@code signal} to the process {@code target} if, and only if, it is still that one. */
  public static Delivery send(ProcessIdentity target, Signal signal) {
    if (target.pid() == OWN_PID) {
      // Never this JVM, whatever a group or a scan listed (a launching thread that could not
      // leave a worker's cgroup puts the JVM's pid in it).
      log.error("refusing to send {} to this JVM itself ({})", signal, target);
      return Delivery.GONE;
    }
    if (pidfdAvailable) {
      int fd;
      try {
        fd = (int) C.syscall(SYS_PIDFD_OPEN, (int) target.pid(), 0);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == ENOSYS) {
          pidfdAvailable = false;
          log.debug("pidfd_open unavailable; checking start times before kill(2)");
          return sendByKill(target, signal);
        }
        return Delivery.GONE;
      }
      try {
        if (!isStill(target)) {
          return Delivery.GONE;
        }
        C.syscall(SYS_PIDFD_SEND_SIGNAL, fd, signal.number(), Pointer.NULL, 0);
        return Delivery.SENT;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != ESRCH) {
          log.warn("pidfd_send_signal({}, {}) failed: errno {}", target, signal, e.getErrorCode());
        }
        return Delivery.GONE;
      } finally {
        C.close(fd);
      }
    }
    return sendByKill(target, signal);
  }

  private static Delivery sendByKill(ProcessIdentity target, Signal signal) {
    if (!isStill(target)) {
      return Delivery.GONE;
    }
    try {
      C.kill((int) target.pid(), signal.number());
      return Delivery.SENT;
    } catch (LastErrorException e) {
      return Delivery.GONE;
    }
  }

  private static boolean isStill(ProcessIdentity target) {
    ProcessInfo now = ProcFs.readStat(target.pid());
    return now != null && now.startTime() == target.startTime();
  }

  /** The size of a memory page in bytes. */
  public static long pageSize() {
    return C.getpagesize();
  }
}
