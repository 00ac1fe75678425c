package dev.stockade.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * This JVM as a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}): every orphan of every
 * process it started, whatever session it moved to, is re-parented to it instead of to init.
 * Written for the tests alone, with no code of the library.
 */
public final class Subreaper {
  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int PR_GET_CHILD_SUBREAPER = 37;
  private static final int WNOHANG = 1;

  interface CLibrary extends Library {
    int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    int prctl(int option, IntByReference arg2, long arg3, long arg4, long arg5)
        throws LastErrorException;

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;
  }

  private static final CLibrary C = Native.load("c", CLibrary.class);

  private Subreaper() {}

  /** Makes this JVM a child subreaper. */
  public static void become() {
    C.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }

  /** Whether this JVM is a child subreaper. */
  public static boolean isOn() {
    IntByReference on = new IntByReference();
    C.prctl(PR_GET_CHILD_SUBREAPER, on, 0, 0, 0);
    return on.getValue() != 0;
  }

  /**
   * Collects the exit status of the zombie child {@code pid} without blocking; true if it did. Only
   * for a pid the caller has proved is a zombie child that no {@link Process} waits for.
   */
  public static boolean reap(long pid) {
    try {
      return C.waitpid((int) pid, new IntByReference(), WNOHANG) == pid;
    } catch (LastErrorException e) {
      return false;
    }
  }
}
