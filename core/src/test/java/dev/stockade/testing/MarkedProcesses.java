package dev.stockade.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The witness that tests of a whole application (a launch shape, an executable jar) trust instead
 * of the library: every live process whose environment holds {@code STOCKADE_TEST_MARKER=<marker>},
 * found by reading {@code /proc} directly (not with Stockade's {@code /proc} code or its tag). The
 * application is started with the marker in its environment, and everything it starts inherits it.
 */
public final class MarkedProcesses {
  /** The environment variable that carries the marker. */
  public static final String VARIABLE = "STOCKADE_TEST_MARKER";

  private MarkedProcesses() {}

  /** {@code "PID COMMAND LINE"} of each live (not zombie) process carrying {@code marker}. */
  public static List<String> live(String marker) {
    byte[] wanted = (VARIABLE + "=" + marker).getBytes(StandardCharsets.UTF_8);
    List<String> found = new ArrayList<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      for (Path dir : (Iterable<Path>) entries::iterator) {
        String name = dir.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          if (!holds(Files.readAllBytes(dir.resolve("environ")), wanted) || isZombie(dir)) {
            continue;
          }
          String cmdline =
              new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ')
                  .strip();
          found.add(name + " " + cmdline);
        } catch (IOException e) {
          // it ended while we looked
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return found;
  }

  /** Whether the NUL-separated environment holds exactly the entry {@code wanted}. */
  private static boolean holds(byte[] environ, byte[] wanted) {
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        if (i - start == wanted.length
            && Arrays.equals(environ, start, i, wanted, 0, wanted.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  private static boolean isZombie(Path dir) throws IOException {
    String stat = Files.readString(dir.resolve("stat"));
    String afterName = stat.substring(stat.lastIndexOf(')') + 2);
    return afterName.charAt(0) == 'Z' || afterName.charAt(0) == 'X';
  }
}
