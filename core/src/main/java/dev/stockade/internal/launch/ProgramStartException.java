package dev.stockade.internal.launch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tree's program could not be started. The message names the program as given (and the file it
 * resolved to, where that differs), the working directory and the reason, in the same words
 * whatever the containment and the launcher: {@code program 'convert' (/usr/bin/convert) is not
 * executable (mode rw-r--r--) (working directory /srv/jobs)}.
 */
public final class ProgramStartException extends IOException {
  private final String program;
  private final Path directory;

  private ProgramStartException(String program, Path directory, String message, Throwable cause) {
    super(message, cause);
    this.program = program;
    this.directory = directory;
  }

  /** The program cannot be started: {@code reason} says why, about the program. */
  static ProgramStartException ofProgram(
      String program, Path resolved, Path directory, String reason) {
    String file =
        resolved == null || resolved.toString().equals(program) ? "" : " (" + resolved + ")";
    return new ProgramStartException(
        program,
        directory,
        "program '"
            + program
            + "'"
            + file
            + " "
            + reason
            + " (working directory "
            + directory
            + ")",
        null);
  }

  /** The working directory is unusable: {@code reason} says why, about the directory. */
  static ProgramStartException ofDirectory(String program, Path directory, String reason) {
    return new ProgramStartException(
        program,
        directory,
        "program '" + program + "' cannot start: working directory " + directory + " " + reason,
        null);
  }

  /** The check passed but the launch failed (the operating system's own reason). */
  public static ProgramStartException ofLaunch(String program, Path directory, IOException cause) {
    return new ProgramStartException(
        program,
        directory,
        "program '"
            + program
            + "' could not be started (working directory "
            + directory
            + "): "
            + cause.getMessage(),
        cause);
  }

  /** The program as given: the first argument of the command. */
  public String program() {
    return program;
  }

  /** The directory it was to run in (the JVM's own when the command named none). */
  public Path directory() {
    return directory;
  }
}
