package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The supervisor's read end of a child's stdout or stderr pipe. It knows the pipe's inode, by which
 * the processes still holding the write end are found ({@link PipeHolders}), and it can be
 * abandoned: a thread blocked reading it then returns, with an {@link IOException}, although
 * another process still holds the write end.
 *
 * <p>Why abandoning needs more than {@code close()}: on Linux, closing a descriptor does not wake a
 * thread blocked in read(2) on it, so a pump reading a pipe that an escaped process holds would
 * stay blocked for as long as that process lives. A byte written into the pipe does wake it. The
 * write end comes from opening {@code /proc/self/fd/N} of the read end for writing, which for a
 * pipe gives a new write end of the same pipe; it is opened non-blocking, so a full pipe (whose
 * reader is not blocked anyway) never blocks the caller. The pipe's own descriptor is kept for that
 * and closed with the stream, under one lock, so it never names another file by then.
 *
 * <p>A pipe can also be {@linkplain #readWithoutBlocking read without blocking}, through that
 * descriptor: {@link #readNow} takes what is there and {@link #awaitReadable} waits for more, so
 * that several threads can take turns at reading it, none of them stuck inside a read(2) while
 * another could take the bytes. The stream's own reads go through another open file description of
 * the pipe, which stays blocking; a pipe is read one way or the other, not both.
 */
public final class OutputPipe extends InputStream {
  private static final int O_WRONLY = 1;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK_OF_PLATFORM = Platform.isMac() ? 0x4 : O_NONBLOCK;
  private static final int EAGAIN = Platform.isMac() ? 35 : 11;
  private static final int EINTR = 4;
  private static final short POLLIN = 1;

  /** The most one {@link #readNow} takes. */
  public static final int READ_CHUNK = 64 * 1024;

  interface CLibrary extends Library {
    int pipe2(int[] fds, int flags) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int close(int fd);

    int fcntl(int fd, int command, Object... argument) throws LastErrorException;
  }

  private static final CLibrary C = Native.load("c", CLibrary.class);
  private static final Cleaner CLEANER = Cleaner.create();

  /**
   * The pipe's own descriptor and the epoll instance that watches it, closed with the stream, or by
   * the cleaner if a stream is dropped unclosed (the JDK's {@link FileInputStream} has a cleaner of
   * its own).
   */
  private static final class Descriptor implements Runnable {
    private int fd;
    private Epoll epoll;

    Descriptor(int fd) {
      this.fd = fd;
    }

    @Override
    public synchronized void run() {
      if (epoll != null) {
        epoll.close();
        epoll = null;
      }
      if (fd >= 0) {
        C.close(fd);
        fd = -1;
      }
    }
  }

  private final FileInputStream in;
  private final long inode;
  private final Descriptor descriptor;
  private final Cleaner.Cleanable cleanable;
  private volatile boolean abandoned;

  /** The pipe's own descriptor, while it may be read without blocking; -1 before and after. */
  private volatile int readableFd = -1;

  private Memory readBuffer;
  private Memory pollFd;

  /** The {@code struct pollfd} of {@link #readIfReady}, whose callers take turns. */
  private Memory readyPollFd;

  /** What {@link #awaitReadable} waits in where epoll is there; else it polls. */
  private volatile Epoll epoll;

  private OutputPipe(int fd, long inode) throws IOException {
    this.in = new FileInputStream("/proc/self/fd/" + fd);
    this.inode = inode;
    this.descriptor = new Descriptor(fd);
    this.cleanable = CLEANER.register(this, descriptor);
  }

  /**
   * A new pipe, both ends close-on-exec: {@code [read end, write end]}.
   *
   * @throws IOException if the process is out of descriptors
   */
  static int[] newPipe() throws IOException {
    int[] fds = new int[2];
    try {
      C.pipe2(fds, O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("pipe2 failed: errno " + e.getErrorCode(), e);
    }
    return fds;
  }

  /** Closes a descriptor this process owns; -1 is ignored. */
  static void closeDescriptor(int fd) {
    if (fd >= 0) {
      C.close(fd);
    }
  }

  /**
   * The stream over the read end {@code fd} of a pipe, which it owns from now on: it is closed with
   * the stream (or here, if the stream cannot be made).
   */
  static OutputPipe adopt(int fd) throws IOException {
    try {
      return new OutputPipe(fd, inodeOf(fd));
    } catch (IOException | RuntimeException e) {
      C.close(fd);
      throw e;
    }
  }

  /**
   * The read ends of stdout and stderr as streams that own them from now on; each slot handed over
   * is set to -1, so that the caller's cleanup leaves it alone.
   */
  static List<OutputPipe> adoptReadEnds(int[] out, int[] err) throws IOException {
    int outFd = out[0];
    out[0] = -1;
    OutputPipe stdout = OutputPipe.adopt(outFd);
    int errFd = err[0];
    err[0] = -1;
    try {
      return List.of(stdout, OutputPipe.adopt(errFd));
    } catch (IOException | RuntimeException e) {
      stdout.close();
      throw e;
    }
  }

  private static long inodeOf(int fd) throws IOException {
    String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    if (!link.startsWith("pipe:[") || !link.endsWith("]")) {
      throw new IOException("descriptor " + fd + " is not a pipe but " + link);
    }
    return Long.parseLong(link.substring("pipe:[".length(), link.length() - 1));
  }

  /** The pipe's inode, as {@code /proc/PID/fd} links show it: {@code pipe:[inode]}. */
  public long inode() {
    return inode;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    checkNotAbandoned();
    int n = in.read(buffer, offset, length);
    // Checked again after the read: the byte that woke an abandoned reader is not output.
    checkNotAbandoned();
    return n;
  }

  /**
   * For the non-blocking reads, which other threads may take turns at: the descriptor stays open
   * until the pipe is closed by its owner, after every reader has stopped.
   */
  private void throwIfAbandoned() throws IOException {
    if (abandoned) {
      throw new IOException("stopped reading pipe:[" + inode + "]: it outlived its tree");
    }
  }

  private void checkNotAbandoned() throws IOException {
    if (abandoned) {
      close();
      throw new IOException("stopped reading pipe:[" + inode + "]: it outlived its tree");
    }
  }

  /**
   * Makes the pipe's own descriptor non-blocking, for {@link #readNow} and {@link #awaitReadable}.
   *
   * @return false where that is not available: read the stream instead
   */
  public boolean readWithoutBlocking() {
    if (!DirectLibc.AVAILABLE) {
      return false;
    }
    synchronized (descriptor) {
      if (descriptor.fd < 0) {
        return false;
      }
      try {
        int flags = C.fcntl(descriptor.fd, F_GETFL);
        C.fcntl(descriptor.fd, F_SETFL, flags | O_NONBLOCK_OF_PLATFORM);
      } catch (LastErrorException e) {
        return false;
      }
      if (Epoll.AVAILABLE) {
        try {
          epoll = new Epoll(descriptor.fd);
          descriptor.epoll = epoll;
        } catch (IOException e) {
          epoll = null; // poll(2) does, only without pausing
        }
      }
      readBuffer = new Memory(READ_CHUNK);
      pollFd = new Memory(8);
      readyPollFd = new Memory(8);
      readableFd = descriptor.fd;
    }
    return true;
  }

  /**
   * Reads what the pipe holds now, up to {@link #READ_CHUNK} bytes, without blocking; callers take
   * turns, never two at once.
   *
   * @return how many bytes were read; 0 if the pipe is empty now, -1 at its end
   * @throws IOException if the pipe was abandoned or closed, or reading failed
   */
  public int readNow(byte[] into, int offset, int length) throws IOException {
    int fd = readableFd();
    long n;
    try {
      n = DirectLibc.read(fd, readBuffer, Math.min(length, READ_CHUNK));
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EAGAIN || e.getErrorCode() == EINTR) {
        return 0;
      }
      throw new IOException("reading pipe:[" + inode + "] failed: errno " + e.getErrorCode(), e);
    }
    // Checked again after the read: the byte that woke an abandoned reader is not output.
    throwIfAbandoned();
    if (n == 0) {
      return -1;
    }
    readBuffer.read(0, into, offset, (int) n);
    return (int) n;
  }

  /**
   * Like {@link #readNow}, for a caller that asks again and again: it first asks poll(2) whether
   * the pipe holds anything, and reads only if so. An empty pipe's read fails with {@code EAGAIN},
   * which the native binding turns into an exception, far dearer than the poll.
   *
   * @return how many bytes were read; 0 if the pipe is empty now, -1 at its end
   * @throws IOException if the pipe was abandoned or closed, or reading failed
   */
  public int readIfReady(byte[] into, int offset, int length) throws IOException {
    int fd = readableFd();
    // revents holds POLLIN, POLLHUP or POLLERR: each is answered by the read
    return poll(readyPollFd, fd, 0) > 0 ? readNow(into, offset, length) : 0;
  }

  /**
   * Blocks until the pipe has bytes, its end, or was abandoned; it may also return with nothing to
   * read (another thread took it), so read with {@link #readNow}. One thread at a time.
   *
   * @throws IOException if the pipe was abandoned or closed
   */
  public void awaitReadable() throws IOException {
    int fd = readableFd();
    if (epoll != null) {
      epoll.await();
      return;
    }
    poll(pollFd, fd, -1);
  }

  /** The pipe's own descriptor, while it may be read without blocking. */
  private int readableFd() throws IOException {
    throwIfAbandoned();
    int fd = readableFd;
    if (fd < 0) {
      throw new IOException("pipe:[" + inode + "] is closed or not read without blocking");
    }
    return fd;
  }

  /**
   * Waits in poll(2) for input on {@code fd}, up to {@code timeoutMillis} (-1: without a bound),
   * through the {@code struct pollfd} {@code slot}; 0 when interrupted by a signal.
   *
   * @return how many descriptors are ready: 1 or 0
   */
  private int poll(Memory slot, int fd, int timeoutMillis) throws IOException {
    slot.setInt(0, fd);
    slot.setShort(4, POLLIN);
    slot.setShort(6, (short) 0);
    try {
      return DirectLibc.poll(slot, 1, timeoutMillis);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EINTR) {
        return 0;
      }
      throw new IOException("polling pipe:[" + inode + "] failed: errno " + e.getErrorCode(), e);
    }
  }

  /**
   * Input stops waking the thread in {@link #awaitReadable} until {@link #resumeWaking}: for a
   * thread that reads the pipe itself meanwhile. Calls must alternate, one pause then one resume,
   * from one thread at a time. Where epoll is not there, input keeps waking it.
   */
  public void pauseWaking() throws IOException {
    if (epoll != null) {
      epoll.pause();
    }
  }

  /** Input wakes the thread in {@link #awaitReadable} again, at once if some is waiting. */
  public void resumeWaking() throws IOException {
    if (epoll != null) {
      epoll.resume();
    }
  }

  /** True once {@link #abandon} was called. */
  public boolean isAbandoned() {
    return abandoned;
  }

  /**
   * Makes every read, current or later, end with an {@link IOException}; a reader blocked in the
   * pipe is woken with one byte, which it discards. Safe to call from any thread, any number of
   * times.
   */
  public void abandon() {
    abandoned = true;
    synchronized (descriptor) {
      if (descriptor.fd < 0) {
        return; // closed: nobody reads any more
      }
      int writer;
      try {
        writer = C.open("/proc/self/fd/" + descriptor.fd, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      } catch (LastErrorException e) {
        return; // no reader left to wake
      }
      try {
        C.write(writer, new byte[] {'\n'}, new NativeLong(1));
      } catch (LastErrorException e) {
        // full (EAGAIN): the reader is not blocked, and sees the flag after its read
      } finally {
        C.close(writer);
      }
    }
  }

  @Override
  public void close() throws IOException {
    readableFd = -1;
    cleanable.clean();
    in.close();
  }
}
