package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.Uninterruptibly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and writes cgroup interface files, in the few formats the kernel uses: one value ({@code
 * memory.max}: a number or {@code max}), flat keyed ({@code memory.events}, {@code memory.stat},
 * {@code cgroup.events}: {@code key value} per line), and pid lists ({@code cgroup.procs}). Every
 * failure names the file, so a log line says which knob refused.
 */
final class CgroupFiles {
  /** What {@link #readLimit} returns for {@code max}: no limit. */
  static final long UNLIMITED = Long.MAX_VALUE;

  private static final Duration REMOVE_RETRY_PAUSE = Duration.ofMillis(5);

  private CgroupFiles() {}

  /**
   * Where a file's content comes from: {@link #read}, or descriptors kept open ({@link KeptFiles}).
   */
  interface Reader {
    String read(Path file) throws IOException;
  }

  static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
  }

  /** The lines of {@code content}, each trimmed, blank ones left out. */
  static List<String> lines(String content) {
    return words(content, "\n");
  }

  /** The parts of {@code content} between {@code separator}s, each trimmed, blank ones left out. */
  static List<String> words(String content, String separator) {
    // indexOf, not String.split: a quoted separator is a regular expression compiled per call, and
    // this runs for files read at every sample.
    List<String> words = new ArrayList<>();
    int start = 0;
    while (start <= content.length()) {
      int end = content.indexOf(separator, start);
      if (end < 0) {
        end = content.length();
      }
      String word = content.substring(start, end).trim();
      if (!word.isEmpty()) {
        words.add(word);
      }
      start = end + separator.length();
    }
    return words;
  }

  /** {@code text} as a decimal number, or null if it is not one. */
  static Long parseLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A single-number file; {@code max} (v2's word for no limit) reads as {@link #UNLIMITED}. */
  static long readLimit(Path file) throws IOException {
    return readLimit(file, CgroupFiles::read);
  }

  /** As {@link #readLimit(Path)}, through {@code reader}. */
  static long readLimit(Path file, Reader reader) throws IOException {
    String text = reader.read(file).trim();
    if (text.equals("max")) {
      return UNLIMITED;
    }
    Long value = parseLong(text);
    if (value == null) {
      throw new IOException(file + " holds '" + text + "', not a number");
    }
    return value;
  }

  /** The value of {@code key} in a flat keyed file, or empty if the key is absent. */
  static OptionalLong keyedValue(Path file, String key) throws IOException {
    return keyedValue(read(file), key);
  }

  static OptionalLong keyedValue(String content, String key) {
    // Line by line in place, without splitting: v1's memory.stat has dozens of lines, and several
    // keyed files are read at every sample of every tree.
    int length = content.length();
    int start = 0;
    while (start < length) {
      int newline = content.indexOf('\n', start);
      int end = newline < 0 ? length : newline;
      while (start < end && Character.isWhitespace(content.charAt(start))) {
        start++;
      }
      int valueAt = start + key.length() + 1;
      if (valueAt < end
          && content.charAt(valueAt - 1) == ' '
          && content.regionMatches(start, key, 0, key.length())) {
        Long value = parseLong(content.substring(valueAt, end).trim());
        if (value != null) {
          return OptionalLong.of(value);
        }
      }
      start = end + 1;
    }
    return OptionalLong.empty();
  }

  /**
   * Writes {@code value} in one {@code write(2)}, without truncating or creating: the kernel parses
   * each write as a whole, and interface files exist or do not.
   */
  static void write(Path file, String value) throws IOException {
    try {
      Files.write(file, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IOException("cannot write '" + value + "' to " + file + ": " + reason(e), e);
    }
  }

  /** The pids listed in a {@code cgroup.procs} file; empty if the group is gone. */
  static Set<Long> readPids(Path procsFile, Set<Long> into) throws IOException {
    return readPids(procsFile, into, CgroupFiles::read);
  }

  /** As {@link #readPids(Path, Set)}, through {@code reader}. */
  static Set<Long> readPids(Path procsFile, Set<Long> into, Reader reader) throws IOException {
    String content;
    try {
      content = reader.read(procsFile);
    } catch (NoSuchFileException e) {
      return into;
    }
    for (String line : lines(content)) {
      Long pid = parseLong(line);
      if (pid != null) {
        into.add(pid);
      }
    }
    return into;
  }

  /** The pids in {@code dir} and every group below it (a member may have made sub-groups). */
  static Set<Long> readPidsOfSubtree(Path dir, Set<Long> into) throws IOException {
    return readPidsOfSubtree(dir, into, CgroupFiles::read);
  }

  /**
   * As {@link #readPidsOfSubtree(Path, Set)}, reading {@code dir}'s own list through {@code
   * reader}; the sub-groups, which come and go, the ordinary way.
   */
  static Set<Long> readPidsOfSubtree(Path dir, Set<Long> into, Reader reader) throws IOException {
    for (Path group : subtree(dir)) {
      readPids(group.resolve("cgroup.procs"), into, group.equals(dir) ? reader : CgroupFiles::read);
    }
    return into;
  }

  /** {@code dir} and the groups below it, parents before children; empty if {@code dir} is gone. */
  static List<Path> subtree(Path dir) throws IOException {
    List<Path> groups = new ArrayList<>();
    // One stat tells both whether the group exists and whether it has sub-groups: this runs for
    // every tree at every sample.
    int links = linkCount(dir);
    if (links >= 0) {
      collect(dir, links, groups);
    }
    return groups;
  }

  private static void collect(Path dir, int links, List<Path> into) throws IOException {
    into.add(dir);
    if (links <= 2) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path child : entries) {
        int childLinks = linkCount(child);
        if (childLinks >= 0) {
          collect(child, childLinks, into);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      // removed while we listed it: nothing below it either
    }
  }

  /**
   * Whether {@code dir} may have sub-directories. The kernel's cgroup file system (kernfs) gives a
   * directory a link count of 2 plus its sub-directories, so one stat answers for the usual group
   * without sub-groups; listing it instead costs a stat of every interface file (about fifty in a
   * v1 memory group). True where the count cannot be read.
   */
  static boolean hasSubdirectories(Path dir) throws IOException {
    return linkCount(dir) > 2;
  }

  /**
   * The link count of directory {@code dir}: 2 plus its sub-directories on kernfs; -1 if it is
   * gone; {@link Integer#MAX_VALUE} where the count cannot be read.
   */
  static int linkCount(Path dir) throws IOException {
    try {
      Object links = Files.getAttribute(dir, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
      return links instanceof Integer count ? count : Integer.MAX_VALUE;
    } catch (NoSuchFileException e) {
      return -1;
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return Integer.MAX_VALUE;
    }
  }

  /** Names of the directories directly in {@code dir}, sorted; empty if {@code dir} is absent. */
  static Set<String> childNames(Path dir) throws IOException {
    Set<String> names = new TreeSet<>();
    if (!Files.isDirectory(dir) || !hasSubdirectories(dir)) {
      return names;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path child : entries) {
        names.add(child.getFileName().toString());
      }
    }
    return names;
  }

  /**
   * Removes the group {@code dir} and every group below it, deepest first. A group whose last
   * process has just exited can refuse removal for a moment ({@code EBUSY}) while the kernel
   * finishes with it, so each removal is retried until {@code bound} has passed. A group that is
   * already gone counts as removed.
   *
   * @throws IOException if a group still exists after {@code bound}, naming it and why
   */
  static void removeSubtree(Path dir, Duration bound) throws IOException {
    List<Path> groups = subtree(dir);
    long deadline = System.nanoTime() + bound.toNanos();
    for (int i = groups.size() - 1; i >= 0; i--) {
      removeOne(groups.get(i), deadline);
    }
  }

  private static void removeOne(Path group, long deadline) throws IOException {
    while (true) {
      try {
        // Files.delete is rmdir(2) for a directory; the interface files in it are not real
        // entries and do not make it "not empty".
        Files.deleteIfExists(group);
        return;
      } catch (IOException e) {
        if (System.nanoTime() >= deadline) {
          throw new IOException("cannot remove cgroup " + group + ": " + reason(e), e);
        }
        Uninterruptibly.sleep(REMOVE_RETRY_PAUSE);
      }
    }
  }

  /** The errno text of a failed file operation, without Java's repetition of the path. */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "Permission denied";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
