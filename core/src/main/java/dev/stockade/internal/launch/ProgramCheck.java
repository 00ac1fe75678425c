package dev.stockade.internal.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The one check before every launch: would the kernel's {@code execve} start this program in this
 * directory? Without it the answer would depend on who execs: {@code posix_spawn} fails with an
 * errno, while a cgroup's shell prelude (or {@code execvp} behind {@code setsid}) turns a missing
 * {@code #!} interpreter into exit code 127, a file of random bytes into 126, and runs a text file
 * without {@code #!} as a shell script. Checked here, each of these is the same {@link
 * ProgramStartException} in every containment mode and with every launcher.
 *
 * <p>A program passes when the directory exists and can be entered, the program resolves (on {@code
 * PATH} for a bare name) to a regular, executable file, and that file is an ELF binary, a {@code
 * #!} script whose interpreter passes the same check (up to {@value #MOST_INTERPRETERS}
 * interpreters deep), or a format registered with {@link BinfmtMisc binfmt_misc}. It costs a few
 * {@code stat}s and one read of the first {@value #HEAD_BYTES} bytes, against about a millisecond
 * for a start. What it does not look at — an ELF binary's architecture and its dynamic loader — the
 * launcher still reports, in its own words. A file it may execute but not read (mode {@code --x})
 * is left to the kernel.
 */
public final class ProgramCheck {
  /** What the kernel reads of a file to choose its format ({@code BINPRM_BUF_SIZE}). */
  static final int HEAD_BYTES = 256;

  /** Nested {@code #!} interpreters the check follows; the kernel allows about as many. */
  static final int MOST_INTERPRETERS = 4;

  private static final String NOT_A_PROGRAM =
      "is not a program the kernel can start (no ELF header, no #! line)";

  private ProgramCheck() {}

  /**
   * The absolute path of {@code program}, once shown to be startable.
   *
   * @param program the command's first argument
   * @param searchPath the {@code PATH} the program is looked up on, if it has no '/'
   * @param directory the working directory, or null for the JVM's own
   * @throws ProgramStartException naming the program, the directory and the reason
   */
  public static Path verify(String program, String searchPath, Path directory)
      throws ProgramStartException {
    Path cwd = directory == null ? Path.of("").toAbsolutePath() : directory.toAbsolutePath();
    if (directory != null) {
      String problem = directoryProblem(cwd);
      if (problem != null) {
        throw ProgramStartException.ofDirectory(program, cwd, problem);
      }
    }
    Path file;
    if (program.contains("/")) {
      file = ExecutableLookup.ofPath(program, cwd);
    } else {
      file = ExecutableLookup.onPath(program, searchPath, cwd);
      if (file == null) {
        throw ProgramStartException.ofProgram(
            program,
            null,
            cwd,
            searchPath == null
                ? "was not found: PATH is not set"
                : "was not found on PATH=" + searchPath);
      }
    }
    String problem = problem(file, cwd, 0);
    if (problem != null) {
      throw ProgramStartException.ofProgram(program, file, cwd, problem);
    }
    return file;
  }

  private static String directoryProblem(Path dir) {
    if (!Files.exists(dir)) {
      return "does not exist";
    }
    if (!Files.isDirectory(dir)) {
      return "is not a directory";
    }
    if (!Files.isExecutable(dir)) {
      return "cannot be entered (no search permission, mode " + mode(dir) + ")";
    }
    return null;
  }

  /**
   * Why the kernel would refuse to exec {@code file}, as a phrase about it; null if it would not.
   */
  private static String problem(Path file, Path cwd, int depth) {
    if (!Files.exists(file)) {
      return "does not exist";
    }
    if (Files.isDirectory(file)) {
      return "is a directory";
    }
    if (!Files.isRegularFile(file)) {
      return "is not a regular file";
    }
    if (!Files.isExecutable(file)) {
      return "is not executable (mode " + mode(file) + ")";
    }
    byte[] head;
    try {
      head = head(file);
    } catch (AccessDeniedException e) {
      return null; // executable but not readable: only the kernel can tell
    } catch (IOException e) {
      return "cannot be read: " + e.getMessage();
    }
    if (isElf(head)) {
      return null;
    }
    if (head.length >= 2 && head[0] == '#' && head[1] == '!') {
      return interpreterProblem(head, file, cwd, depth);
    }
    if (BinfmtMisc.system().recognizes(file, head)) {
      return null;
    }
    return NOT_A_PROGRAM;
  }

  /** Parses the {@code #!} line as the kernel does and checks the interpreter it names. */
  private static String interpreterProblem(byte[] head, Path file, Path cwd, int depth) {
    int start = 2;
    while (start < head.length && (head[start] == ' ' || head[start] == '\t')) {
      start++;
    }
    int end = start;
    while (end < head.length
        && head[end] != ' '
        && head[end] != '\t'
        && head[end] != '\n'
        && head[end] != 0) {
      end++;
    }
    if (end == start) {
      return "has a #! line that names no interpreter";
    }
    if (end == head.length && head.length == HEAD_BYTES && longerThanHead(file)) {
      return "has a #! line whose interpreter does not end within the "
          + HEAD_BYTES
          + " bytes the kernel reads";
    }
    String name = new String(head, start, end - start, StandardCharsets.UTF_8);
    if (depth + 1 > MOST_INTERPRETERS) {
      return "nests #! interpreters more than " + MOST_INTERPRETERS + " deep";
    }
    Path interpreter = cwd.resolve(name);
    String problem = problem(interpreter, cwd, depth + 1);
    return problem == null
        ? null
        : "names in its #! line the interpreter " + visible(name) + ", which " + problem;
  }

  private static boolean longerThanHead(Path file) {
    try {
      return Files.size(file) > HEAD_BYTES;
    } catch (IOException e) {
      return true;
    }
  }

  private static boolean isElf(byte[] head) {
    return head.length >= 4
        && head[0] == 0x7f
        && head[1] == 'E'
        && head[2] == 'L'
        && head[3] == 'F';
  }

  private static byte[] head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(HEAD_BYTES);
    }
  }

  private static String mode(Path path) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    } catch (IOException | UnsupportedOperationException e) {
      return "unknown";
    }
  }

  /** {@code text} with control characters shown as escapes: a CR from DOS line ends shows. */
  static String visible(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r') {
        out.append("\\r");
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
