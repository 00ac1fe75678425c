package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
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
 */
public final class OutputPipe extends InputStream {
  private static final int O_WRONLY = 1;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;

  interface CLibrary extends Library {
    int pipe2(int[] fds, int flags) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int close(int fd);
  }

  private static final CLibrary C = Native.load("c", CLibrary.class);
  private static final Cleaner CLEANER = Cleaner.create();

  /**
   * The pipe's own descriptor, closed with the stream, or by the cleaner if a stream is dropped
   * unclosed (the JDK's {@link FileInputStream} has a cleaner of its own).
   */
  private static final class Descriptor implements Runnable {
    private int fd;

    Descriptor(int fd) {
      this.fd = fd;
    }

    @Override
    public synchronized void run() {
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

  private void checkNotAbandoned() throws IOException {
    if (abandoned) {
      close();
      throw new IOException("stopped reading pipe:[" + inode + "]: it outlived its tree");
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
    cleanable.clean();
    in.close();
  }
}
