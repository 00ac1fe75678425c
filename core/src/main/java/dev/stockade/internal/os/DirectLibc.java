package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The libc calls of the hot paths, direct-mapped: cheaper than an interface-mapped library. Those
 * of sampling read files kept open; {@code read} and {@code poll} serve the replies of workers. A
 * descriptor kept open and read with {@code pread} at offset 0 makes the kernel render a {@code
 * /proc} or cgroup file afresh: one system call per reading instead of open, read and close.
 */
public final class DirectLibc {
  private static final Logger log = LoggerFactory.getLogger(DirectLibc.class);

  /** {@code O_RDONLY | O_CLOEXEC}: no child inherits a kept descriptor. */
  public static final int O_RDONLY_CLOEXEC = 0x80000;

  /** Whether the calls are bound; where not, files are read the ordinary way. */
  public static final boolean AVAILABLE = register();

  private DirectLibc() {}

  public static native int open(String path, int flags);

  public static native long pread(int fd, Pointer buffer, long count, long offset);

  public static native int close(int fd);

  public static native long read(int fd, Pointer buffer, long count) throws LastErrorException;

  /** {@code fds} is an array of {@code struct pollfd}: {@code int fd; short events, revents}. */
  public static native int poll(Pointer fds, long count, int timeoutMillis)
      throws LastErrorException;

  private static boolean register() {
    try {
      Native.register(DirectLibc.class, NativeLibrary.getInstance("c"));
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      log.debug("direct libc binding unavailable; files are read the ordinary way", e);
      return false;
    }
  }
}
