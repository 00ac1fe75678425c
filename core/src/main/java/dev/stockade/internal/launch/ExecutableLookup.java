package dev.stockade.internal.launch;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a program the way {@code execvp} would, from the directory the program will run in: a name
 * with a '/' is a path (a relative one from that directory), a bare name is looked up on {@code
 * PATH} (whose relative entries are relative to that directory too, since the lookup happens after
 * the {@code chdir}). Trees start behind a wrapper ({@code setsid}, a cgroup's shell prelude),
 * which would report a missing program only as its own exit code; looking first turns that into a
 * clear start failure. The result is always absolute, so the launcher execs exactly the file that
 * was checked, whatever directory it execs from.
 */
final class ExecutableLookup {
  private ExecutableLookup() {}

  /** {@code program}, a path, made absolute from {@code workingDirectory}. */
  static Path ofPath(String program, Path workingDirectory) {
    return withoutDots(workingDirectory.resolve(program).toAbsolutePath());
  }

  /**
   * {@code path} without its "." elements. Not {@link Path#normalize}: a ".." after a symbolic link
   * leads where the kernel says, not to the link's parent, so it stays.
   */
  private static Path withoutDots(Path path) {
    Path out = path.getRoot();
    for (Path element : path) {
      if (!element.toString().equals(".")) {
        out = out == null ? element : out.resolve(element);
      }
    }
    return out;
  }

  /**
   * The first regular, executable file named {@code program} in a directory of {@code path}, or
   * null if there is none (or no {@code path}).
   */
  static Path onPath(String program, String path, Path workingDirectory) {
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator, -1)) {
      Path p =
          withoutDots(
              workingDirectory
                  .resolve(dir.isEmpty() ? "." : dir)
                  .resolve(program)
                  .toAbsolutePath());
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
