package dev.stockade.internal.os;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Files read again and again — a cgroup's counters, at every sample of its tree — through
 * descriptors kept open ({@link DirectLibc}): each reading is one {@code pread}. A descriptor whose
 * read fails (the group was removed: {@code ENODEV}) is closed and the file opened afresh; a file
 * that cannot be opened is read the ordinary way, which throws the exception that says why ({@link
 * java.nio.file.NoSuchFileException} for a file that is gone). Descriptors are closed by {@link
 * #close()}, when the owner no longer needs them; reads after it are ordinary, so a late reader
 * leaves no descriptor behind.
 *
 * <p>For kernel-rendered files of short lines (under 256 bytes) whose every read renders them
 * afresh: not v1's {@code cgroup.procs}, which the kernel caches per open file while it is read
 * more often than once a second.
 *
 * <p>Thread-safe: a tree's counters are read by the housekeeper and by its teardown.
 */
public final class KeptFiles implements AutoCloseable {
  private static final int FIRST_CAPACITY = 4096;
  private static final int MAX_CAPACITY = 1 << 20;
  private static final int LINE_ROOM = 256;
  private static final int PAGE = 4096;
  private static final int FAILED = -1;
  private static final int TOO_LARGE = -2;

  private final Map<Path, Integer> open = new HashMap<>();
  private Memory buffer;
  private byte[] bytes;
  private boolean closed;

  /** The file's content now, as ASCII. */
  public synchronized String read(Path file) throws IOException {
    if (!DirectLibc.AVAILABLE || closed) {
      return ordinaryRead(file);
    }
    Integer fd = open.get(file);
    if (fd != null) {
      int n = readFrom(fd);
      if (n >= 0) {
        return new String(bytes, 0, n, StandardCharsets.US_ASCII);
      }
      if (n == TOO_LARGE) {
        return ordinaryRead(file);
      }
      DirectLibc.close(fd);
      open.remove(file);
    }
    int newFd = DirectLibc.open(file.toString(), DirectLibc.O_RDONLY_CLOEXEC);
    if (newFd < 0) {
      return ordinaryRead(file);
    }
    int n = readFrom(newFd);
    if (n == FAILED) {
      DirectLibc.close(newFd);
      return ordinaryRead(file);
    }
    open.put(file, newFd);
    return n == TOO_LARGE ? ordinaryRead(file) : new String(bytes, 0, n, StandardCharsets.US_ASCII);
  }

  /**
   * Reads the whole file from offset 0 into {@code bytes}: its length, or {@link #FAILED}, or
   * {@link #TOO_LARGE} past {@link #MAX_CAPACITY}. The kernel renders such a file a page at most
   * per read (whole lines while they fit); a first read that left more than a line's room of its
   * page unused read the whole file, which is the usual case: one system call. Otherwise reads
   * follow from where the last ended until one returns nothing.
   */
  private int readFrom(int fd) {
    if (buffer == null) {
      buffer = new Memory(FIRST_CAPACITY);
      bytes = new byte[FIRST_CAPACITY];
    }
    int total = 0;
    while (true) {
      if (total == buffer.size()) {
        if (buffer.size() >= MAX_CAPACITY) {
          return TOO_LARGE;
        }
        Memory larger = new Memory(buffer.size() * 2);
        larger.write(0, bytes, 0, total);
        buffer = larger;
        bytes = new byte[(int) larger.size()];
        buffer.read(0, bytes, 0, total);
      }
      long n = DirectLibc.pread(fd, buffer.share(total), buffer.size() - total, total);
      if (n < 0) {
        return FAILED;
      }
      buffer.read(total, bytes, total, (int) n);
      total += (int) n;
      if (n == 0 || (total == n && n <= PAGE - LINE_ROOM)) {
        return total;
      }
    }
  }

  private static String ordinaryRead(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
  }

  /** Descriptors held now. */
  synchronized int openCount() {
    return open.size();
  }

  /** Closes every descriptor; later reads keep none. */
  @Override
  public synchronized void close() {
    closed = true;
    for (int fd : open.values()) {
      DirectLibc.close(fd);
    }
    open.clear();
  }
}
