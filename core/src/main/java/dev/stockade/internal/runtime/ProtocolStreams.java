package dev.stockade.internal.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * The protocol's private streams in a worker process. Descriptors 0 and 1 are the pipes to the
 * supervisor; anything the handler prints, and any process it starts (which inherits 0–2), would
 * write into the reply stream or read requests. So the pipes must live on other descriptors, with
 * descriptor 1 pointed at stderr and descriptor 0 at {@code /dev/null}.
 *
 * <p>A pool starts its JVM workers with that already done by the shell in front of {@code java}
 * ({@code exec 3<&0 4>&1 </dev/null >&2}), and says so in {@value #PROTOCOL_FDS}: then plain Java
 * I/O opens descriptors 3 and 4, and JNA — a tenth of a second of start-up — is never loaded on the
 * way to HELLO. Started any other way, the worker moves the descriptors itself through libc.
 */
public final class ProtocolStreams {
  /** Set by the pool to {@code "3,4"}: requests on 3, replies on 4, 0 and 1 already moved. */
  public static final String PROTOCOL_FDS = "STOCKADE_PROTOCOL_FDS";

  private static final int O_RDONLY = 0;
  private static final int SIGKILL = 9;

  interface CLibrary extends Library {
    int dup(int fd) throws LastErrorException;

    int dup2(int fd, int fd2) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd);

    int kill(int pid, int signal) throws LastErrorException;
  }

  /** Loaded on first use only: the common start and the common run never need it. */
  private static final class Libc {
    static final CLibrary C = Native.load("c", CLibrary.class);
  }

  private final InputStream requests;
  private final OutputStream replies;

  private ProtocolStreams(InputStream requests, OutputStream replies) {
    this.requests = requests;
    this.replies = replies;
  }

  /** Takes the protocol's descriptors away from 0 and 1; call before any user code runs. */
  public static ProtocolStreams moveStandardStreamsAside() throws IOException {
    String given = System.getenv(PROTOCOL_FDS);
    if (given != null) {
      String[] fds = given.split(",", -1);
      if (fds.length != 2) {
        throw new IOException(
            PROTOCOL_FDS + " must be two descriptors, \"in,out\", but was '" + given + "'");
      }
      return open(fds[0].trim(), fds[1].trim());
    }
    System.out.flush();
    CLibrary c = Libc.C;
    int in = c.dup(0);
    int out = c.dup(1);
    c.dup2(2, 1);
    int devNull = c.open("/dev/null", O_RDONLY);
    c.dup2(devNull, 0);
    c.close(devNull);
    ProtocolStreams streams = open(String.valueOf(in), String.valueOf(out));
    c.close(in);
    c.close(out);
    return streams;
  }

  /**
   * Streams over the two descriptors: opening {@code /proc/self/fd/N} of a pipe gives a descriptor
   * of the same pipe owned by the JDK stream. The JDK closes every descriptor above 2 in the
   * processes a handler starts, so none of them inherits a pipe.
   */
  private static ProtocolStreams open(String in, String out) throws IOException {
    InputStream requests = new BufferedInputStream(new FileInputStream("/proc/self/fd/" + in));
    OutputStream replies =
        new BufferedOutputStream(new FileOutputStream("/proc/self/fd/" + out), 1 << 16);
    // System.out's buffer may hold text written before; from here it reaches stderr through 1.
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true));
    return new ProtocolStreams(requests, replies);
  }

  public InputStream requests() {
    return requests;
  }

  public OutputStream replies() {
    return replies;
  }

  /**
   * Ends every descendant (some may have left the group, as a browser does), then this process and
   * every process of its group, at once.
   */
  public static void killProcessGroup() {
    try {
      for (int pass = 0; pass < 2; pass++) { // twice: a child may fork while the first runs
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
      }
      Libc.C.kill(0, SIGKILL);
    } finally {
      Runtime.getRuntime().halt(137);
    }
  }
}
