package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;

/**
 * One descriptor watched for input through its own Linux epoll instance, whose interest can be
 * paused and resumed: while paused, input wakes nobody. A pipe read by several threads in turn
 * needs that — a thread that reads it itself meanwhile must not have the kernel wake the thread
 * that waits for it, which would only find the input gone.
 */
final class Epoll implements AutoCloseable {
  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_MOD = 3;
  private static final int EPOLLIN = 1;
  private static final int EINTR = 4;

  /** {@code struct epoll_event} is packed on x86-64 only: events, then 8 bytes of data. */
  private static final int EVENT_BYTES = Platform.isIntel() && Platform.is64Bit() ? 12 : 16;

  /** Whether epoll is there to use; elsewhere, callers poll(2) or block. */
  static final boolean AVAILABLE = register();

  private static native int epoll_create1(int flags) throws LastErrorException;

  private static native int epoll_ctl(int epfd, int op, int fd, Pointer event)
      throws LastErrorException;

  private static native int epoll_wait(int epfd, Pointer events, int max, int timeoutMillis)
      throws LastErrorException;

  private static boolean register() {
    if (!Platform.isLinux()) {
      return false;
    }
    try {
      Native.register(Epoll.class, NativeLibrary.getInstance("c"));
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
  }

  private final int epfd;
  private final int fd;
  private final Memory control = new Memory(EVENT_BYTES);
  private final Memory ready = new Memory(EVENT_BYTES);
  private boolean closed;

  /** Watches {@code fd} for input. */
  Epoll(int fd) throws IOException {
    this.fd = fd;
    try {
      this.epfd = epoll_create1(EPOLL_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("epoll_create1 failed: errno " + e.getErrorCode(), e);
    }
    try {
      control(EPOLL_CTL_ADD, EPOLLIN);
    } catch (IOException e) {
      DirectLibc.close(epfd);
      throw e;
    }
  }

  /** Blocks until the descriptor has input or its end (while not paused); may return early. */
  void await() throws IOException {
    try {
      epoll_wait(epfd, ready, 1, -1);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != EINTR) {
        throw new IOException("epoll_wait failed: errno " + e.getErrorCode(), e);
      }
    }
  }

  /** Input wakes nobody until {@link #resume}. */
  void pause() throws IOException {
    control(EPOLL_CTL_MOD, 0);
  }

  /** Input wakes the waiter again; input already there wakes it at once. */
  void resume() throws IOException {
    control(EPOLL_CTL_MOD, EPOLLIN);
  }

  private synchronized void control(int op, int events) throws IOException {
    if (closed) {
      return; // nobody waits in it any more
    }
    control.setInt(0, events);
    control.setLong(EVENT_BYTES - 8, 0);
    try {
      epoll_ctl(epfd, op, fd, control);
    } catch (LastErrorException e) {
      throw new IOException("epoll_ctl failed: errno " + e.getErrorCode(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      DirectLibc.close(epfd);
    }
  }
}
