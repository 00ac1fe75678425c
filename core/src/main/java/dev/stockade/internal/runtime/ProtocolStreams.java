package dev.stockade.internal.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * The protocol's private streams in a worker process. Descriptors 0 and 1 are the pipes to the
 * supervisor; anything the handler prints, and any process it starts (which inherits 0–2), would
 * write into the reply stream or read requests. So the pipes are duplicated to private
 * descriptors, descriptor 1 is pointed at stderr and descriptor 0 at {@code /dev/null}.
 */
public final class ProtocolStreams {
  private static final int O_RDONLY = 0;
  private static final int SIGKILL = 9;

  interface CLibrary extends Library {
    int dup(int fd) throws LastErrorException;

    int dup2(int fd, int fd2) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd);

    int kill(int pid, int signal) throws LastErrorException;
  }

  private static final CLibrary C = Native.load("c", CLibrary.class);

  private final InputStream requests;
  private final OutputStream replies;

  private ProtocolStreams(InputStream requests, OutputStream replies) {
    this.requests = requests;
    this.replies = replies;
  }

  /** Moves stdin and stdout aside; call before any user code runs. */
  public static ProtocolStreams moveStandardStreamsAside() throws IOException {
    System.out.flush();
    int in = C.dup(0);
    int out = C.dup(1);
    C.dup2(2, 1);
    int devNull = C.open("/dev/null", O_RDONLY);
    C.dup2(devNull, 0);
    C.close(devNull);
    // Opening /proc/self/fd/N of a pipe gives a descriptor of the same pipe owned by the JDK
    // stream; the duplicates are closed so only the streams hold the pipes.
    InputStream requests = new BufferedInputStream(new FileInputStream("/proc/self/fd/" + in));
    OutputStream replies = new BufferedOutputStream(new FileOutputStream("/proc/self/fd/" + out),
        1 << 16);
    C.close(in);
    C.close(out);
    // System.out's buffer may still hold text written before; it now reaches stderr through 1.
    System.setOut(new PrintStream(new FileOutputStream(java.io.FileDescriptor.out), true));
    return new ProtocolStreams(requests, replies);
  }

  public InputStream requests() {
    return requests;
  }

  public OutputStream replies() {
    return replies;
  }

  /**
   * Ends every descendant (some may have left the group, as a browser does), then this process
   * and every process of its group, at once.
   */
  public static void killProcessGroup() {
    try {
      for (int pass = 0; pass < 2; pass++) { // twice: a child may fork while the first runs
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
      }
      C.kill(0, SIGKILL);
    } finally {
      Runtime.getRuntime().halt(137);
    }
  }
}
