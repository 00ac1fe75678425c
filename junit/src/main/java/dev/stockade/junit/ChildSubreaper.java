package dev.stockade.junit;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.ptr.IntByReference;

/**
 * This JVM as a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}, Linux): every orphan of
 * every process it started, whatever session it moved to and however many times it forked, is
 * re-parented to this JVM instead of to init, so it stays among this JVM's descendants.
 */
final class ChildSubreaper {
  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int WNOHANG = 1;

  interface CLibrary extends Library {
    int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;
  }

  private static final CLibrary C = Platform.isLinux() ? Native.load("c", CLibrary.class) : null;

  /** Whether this JVM became one: only on Linux, and only if the kernel agreed. */
  private static final boolean ON = tryToBecome();

  private ChildSubreaper() {}

  /** Makes this JVM a child subreaper, once; whether it is one. */
  static boolean become() {
    return ON;
  }

  private static boolean tryToBecome() {
    if (C == null) {
      return false;
    }
    try {
      return C.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
    } catch (LastErrorException e) {
      return false;
    }
  }

  /**
   * Collects the exit status of the zombie child {@code pid} without blocking; true if it did. Only
   * for a pid shown to be a zombie child of this JVM that no {@link Process} of the JDK waits for.
   */
  static boolean reap(long pid) {
    if (C == null) {
      return false;
    }
    try {
      return C.waitpid((int) pid, new IntByReference(), WNOHANG) == pid;
    } catch (LastErrorException e) {
      return false;
    }
  }
}
