package dev.stockade.internal.engine;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a program the way {@code execvp} would. Trees start behind a wrapper ({@code setsid}),
 * which would report a missing program only as its own exit code; looking first turns that into
 * a clear start failure.
 */
final class ExecutableLookup {
  private ExecutableLookup() {}

  static Path find(String program, String path, Path workingDirectory) {
    if (program.contains("/")) {
      Path p = Path.of(program);
      if (!p.isAbsolute() && workingDirectory != null) {
        p = workingDirectory.resolve(p);
      }
      return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
