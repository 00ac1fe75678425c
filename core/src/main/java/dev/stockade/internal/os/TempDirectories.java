package dev.stockade.internal.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each worker tree gets its own {@code TMPDIR} under {@code java.io.tmpdir}, named after its pool
 * and worker, and removed once the tree has ended: the profiles and scratch files a killed browser
 * leaves behind do not fill the disk.
 */
public final class TempDirectories {
  private static final Logger log = LoggerFactory.getLogger(TempDirectories.class);

  /** The prefix of every directory, so a start-up sweep can find those of a killed run. */
  public static final String PREFIX = "stockade-";

  /**
   * The worker id in the name of a worker pool's runtime directory (where the Python or Node
   * runtime is written), which the pool's workers share.
   */
  public static final String RUNTIME = "runtime";

  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  private TempDirectories() {}

  /**
   * The longest share of a pool's name in its directories' names. Chrome puts a socket in {@code
   * TMPDIR} and refuses to start when the socket's path exceeds the 107 bytes a Unix socket address
   * holds; with at most 16 characters of the name that path stays under 100.
   */
  static final int NAME_CHARS = 16;

  /**
   * A new directory, readable by its owner only, named {@code stockade-NAME@PID-WORKER-RANDOM}: the
   * pool's name (cut to {@value #NAME_CHARS} characters) and this JVM's pid, so a start-up sweep
   * can tell a killed run's directories from a live one's.
   */
  public static Path create(String poolName, String workerId) {
    Path parent = Path.of(System.getProperty("java.io.tmpdir"));
    String prefix = prefixFor(poolName) + ProcessHandle.current().pid() + "-" + workerId + "-";
    try {
      while (true) {
        Path dir =
            parent.resolve(
                prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt() & 0x7fffffff));
        try {
          return Files.createDirectory(dir, OWNER_ONLY);
        } catch (FileAlreadyExistsException e) {
          // another name, then
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create a temporary directory for worker "
              + workerId
              + " of pool '"
              + poolName
              + "' in "
              + parent,
          e);
    }
  }

  /** {@code stockade-NAME@}: how the directories of pool {@code poolName} begin. */
  public static String prefixFor(String poolName) {
    return PREFIX + poolName.substring(0, Math.min(poolName.length(), NAME_CHARS)) + "@";
  }

  /**
   * Removes {@code dir} and everything in it; logs instead of throwing. A directory already gone is
   * quietly left so: a second {@code close()} of a pool must log nothing.
   */
  public static void delete(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      deleteRecursively(dir);
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      log.warn("could not remove temporary directory {}: {}", dir, e.toString());
    }
  }

  /**
   * Deletes {@code dir} and everything in it, following no symbolic link (a link a worker left is
   * removed, not what it points to); what vanishes meanwhile is no failure.
   */
  private static void deleteRecursively(Path dir) throws IOException {
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path directory, IOException e)
              throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(directory);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
