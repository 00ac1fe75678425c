package dev.stockade.internal.engine;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each worker tree gets its own {@code TMPDIR} under {@code java.io.tmpdir}, named after its
 * pool and worker, and removed once the tree has ended: the profiles and scratch files a killed
 * browser leaves behind do not fill the disk.
 */
public final class TempDirectories {
  private static final Logger log = LoggerFactory.getLogger(TempDirectories.class);

  /** The prefix of every directory, so a start-up sweep can find those of a killed run. */
  public static final String PREFIX = "stockade-";

  private TempDirectories() {}

  public static Path create(String poolName, String workerId) {
    try {
      return Files.createTempDirectory(PREFIX + poolName + "-" + workerId + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for worker "
          + workerId + " of pool '" + poolName + "' in " + System.getProperty("java.io.tmpdir"), e);
    }
  }

  /** Removes {@code dir} and everything in it; logs instead of throwing. */
  public static void delete(Path dir) {
    try {
      MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      log.warn("could not remove temporary directory {}: {}", dir, e.toString());
    }
  }
}
