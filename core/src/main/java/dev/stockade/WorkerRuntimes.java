package dev.stockade;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes the Python and Node runtimes of the worker protocol ({@code docs/protocol.md}) to a
 * directory, so a handler written in those languages can run as a persistent worker. Each runtime
 * is one file with no dependencies beyond its language's standard library.
 *
 * <p>Python 3.8 or later — a handler module {@code handler.py} beside the runtime:
 *
 * <pre>{@code
 * import stockade_worker
 *
 * def handle(payload: bytes, context) -> bytes:
 *     context.progress("halfway")
 *     return payload.upper()
 *
 * if __name__ == "__main__":
 *     stockade_worker.run(handle)
 * }</pre>
 *
 * <pre>{@code
 * Path runtime = WorkerRuntimes.writePython(Path.of("/opt/app/workers"));
 * // start: python3 /opt/app/workers/handler.py
 * //    or: python3 /opt/app/workers/stockade_worker.py handler:handle  (in that directory)
 * }</pre>
 *
 * <p>Node 18 or later — a handler module {@code handler.js}:
 *
 * <pre>{@code
 * module.exports = async (payload, context) => {
 *   context.progress('halfway');
 *   if (context.signal.aborted) throw context.signal.reason;
 *   return payload.toString().toUpperCase();
 * };
 * }</pre>
 *
 * <pre>{@code
 * Path runtime = WorkerRuntimes.writeNode(Path.of("/opt/app/workers"));
 * // start: node /opt/app/workers/stockade-worker.js ./handler.js  (in that directory)
 * }</pre>
 *
 * <p>Writing is safe while workers run from an older copy: the new file is written beside it and
 * moved over it in one step, so a process that starts meanwhile reads either the old file or the
 * new one, never a part of either.
 */
public final class WorkerRuntimes {
  /** The file name of the Python runtime; also its module name, {@code stockade_worker}. */
  public static final String PYTHON_FILE = "stockade_worker.py";

  /** The file name of the Node runtime. */
  public static final String NODE_FILE = "stockade-worker.js";

  private static final String RESOURCE_DIRECTORY = "/dev/stockade/runtimes/";

  private WorkerRuntimes() {}

  /**
   * Writes {@value #PYTHON_FILE} into {@code directory}, creating the directory if needed and
   * replacing an older copy.
   *
   * @param directory where to write the file
   * @return the path of the written file
   * @throws IOException if the directory cannot be created or the file cannot be written
   */
  public static Path writePython(Path directory) throws IOException {
    return write(directory, PYTHON_FILE);
  }

  /**
   * Writes {@value #NODE_FILE} into {@code directory}, creating the directory if needed and
   * replacing an older copy.
   *
   * @param directory where to write the file
   * @return the path of the written file
   * @throws IOException if the directory cannot be created or the file cannot be written
   */
  public static Path writeNode(Path directory) throws IOException {
    return write(directory, NODE_FILE);
  }

  private static Path write(Path directory, String fileName) throws IOException {
    Files.createDirectories(directory);
    Path target = directory.resolve(fileName);
    // The temporary file is in the same directory, so the move below stays on one file system.
    Path temporary = Files.createTempFile(directory, "." + fileName + ".", ".tmp");
    try {
      try (InputStream in = open(fileName)) {
        Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
      }
      try {
        // A temporary file is private to its owner; the runtime is read by whoever runs workers.
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its defaults apply
      }
      try {
        Files.move(
            temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
    return target;
  }

  private static InputStream open(String fileName) {
    InputStream in = WorkerRuntimes.class.getResourceAsStream(RESOURCE_DIRECTORY + fileName);
    if (in == null) {
      // The file is packaged in this jar; its absence means a broken build, not a bad call.
      throw new UncheckedIOException(
          new IOException(
              "resource " + RESOURCE_DIRECTORY + fileName + " is missing from the Stockade jar"));
    }
    return in;
  }
}
