package dev.stockade.internal.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks that a pool or worker id can be used as the name of one cgroup directory: a single path
 * segment that cannot climb out of the {@code stockade} base ({@code ..}, {@code /}), cannot hide
 * ({@code .name}), and needs no quoting in a shell prelude or a log line.
 */
final class CgroupNames {
  static final int MAX_LENGTH = 200;

  private static final Pattern ALLOWED = Pattern.compile("[a-zA-Z0-9._@+=,:-]*");

  private CgroupNames() {}

  /**
   * Returns {@code value} if it is a safe directory name.
   *
   * @param setting what the value is, for the message ({@code "poolId"})
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  static String requireSegment(String setting, String value) {
    if (!isSegment(value)) {
      throw new IllegalArgumentException(
          setting
              + " must be one path segment of 1 to "
              + MAX_LENGTH
              + " letters, digits and . _ @ + = , : - not starting with '.', but was '"
              + value
              + "'");
    }
    return value;
  }

  static boolean isSegment(String value) {
    return value != null
        && !value.isEmpty()
        && value.length() <= MAX_LENGTH
        && value.charAt(0) != '.'
        && ALLOWED.matcher(value).matches();
  }

  /** The names of the subdirectories of {@code dir} that are plain id segments, sorted. */
  static Set<String> segmentsIn(Path dir) throws IOException {
    Set<String> ids = new TreeSet<>();
    for (String name : CgroupFiles.childNames(dir)) {
      if (isSegment(name)) {
        ids.add(name);
      }
    }
    return ids;
  }
}
