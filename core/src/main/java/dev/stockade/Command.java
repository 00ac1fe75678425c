package dev.stockade;

import dev.stockade.internal.engine.SettingRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One program to run in a {@link CommandPool}: its arguments, extra environment, working directory,
 * and optional per-command overrides of the pool's task timeout and memory limit.
 *
 * <p>Immutable; every {@code with…} method returns a copy. The program inherits the JVM's
 * environment plus the entries added here; Stockade adds {@code STOCKADE_TAG} and points {@code
 * TMPDIR}, {@code TMP} and {@code TEMP} at a directory of the task's own, removed when the task's
 * process tree has ended. The program's standard input is empty (end of file at once).
 *
 * <pre>{@code
 * Command shot = Command.of("chromium", "--headless", "--screenshot", url)
 *     .withTimeout(Duration.ofSeconds(30))
 *     .withMemoryLimit(MemorySize.ofMebibytes(768));
 * }</pre>
 */
public final class Command {
  private final List<String> arguments;

  /** Unmodifiable, in the order the entries were first set. */
  private final Map<String, String> environment;

  private final Path directory;
  private final Duration timeout;
  private final MemorySize memoryLimit;
  private final String label;

  private Command(
      List<String> arguments,
      Map<String, String> environment,
      Path directory,
      Duration timeout,
      MemorySize memoryLimit,
      String label) {
    this.arguments = arguments;
    this.environment = environment;
    this.directory = directory;
    this.timeout = timeout;
    this.memoryLimit = memoryLimit;
    this.label = label;
  }

  /**
   * A command from its program and arguments.
   *
   * @param arguments the program, then its arguments
   * @return the command, labelled with the program's name
   * @throws IllegalArgumentException if there is no argument, the program is blank, or an argument
   *     holds a NUL character (the kernel would cut it there); the message gives the argument's
   *     index, the program's being 0
   */
  public static Command of(String... arguments) {
    Objects.requireNonNull(arguments, "arguments");
    return of(Arrays.asList(arguments));
  }

  /**
   * A command from its program and arguments.
   *
   * @param arguments the program, then its arguments; copied
   * @return the command, labelled with the program's name
   * @throws IllegalArgumentException if the list is empty, the program is blank, or an argument
   *     holds a NUL character; the message gives the argument's index
   */
  public static Command of(List<String> arguments) {
    checkArguments("command arguments", arguments);
    if (arguments.isEmpty() || arguments.get(0).isBlank()) {
      throw new IllegalArgumentException(
          "command must be a non-empty list whose first element names a program, but was "
              + arguments);
    }
    List<String> args = List.copyOf(arguments);
    return new Command(args, Map.of(), null, null, null, args.get(0));
  }

  /**
   * A copy with the environment variable {@code name} set to {@code value}.
   *
   * @param name the variable's name
   * @param value its value
   * @return a copy with that variable added to those already set (or changed, if it was set)
   * @throws IllegalArgumentException if the name is empty or holds '=' or NUL, or the value holds
   *     NUL (the kernel would cut it there)
   */
  public Command withEnvironment(String name, String value) {
    checkEnvironmentEntry(name, value);
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.put(name, value);
    env = Collections.unmodifiableMap(env);
    return new Command(arguments, env, directory, timeout, memoryLimit, label);
  }

  /**
   * A copy that starts in {@code directory} instead of the JVM's working directory.
   *
   * @param directory the working directory of the program
   * @return a copy that starts in {@code directory}
   */
  public Command withDirectory(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return new Command(arguments, environment, directory, timeout, memoryLimit, label);
  }

  /**
   * A copy whose tree is ended when it runs longer than {@code timeout}, instead of the pool's
   * {@code taskTimeout}. Checked against the pool's sample interval when submitted.
   *
   * @param timeout the longest the command's tree may run
   * @return a copy with its own timeout
   * @throws IllegalArgumentException if {@code timeout} is not positive or is longer than 365 days
   */
  public Command withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
    }
    SettingRules.requireAtMostLongest(timeout, "timeout");
    return new Command(arguments, environment, directory, timeout, memoryLimit, label);
  }

  /**
   * A copy whose whole process tree may use at most {@code limit}, instead of the pool's {@code
   * memoryLimit}.
   *
   * @param limit the most memory the command's whole process tree may use
   * @return a copy with its own memory limit
   */
  public Command withMemoryLimit(MemorySize limit) {
    Objects.requireNonNull(limit, "limit");
    return new Command(arguments, environment, directory, timeout, limit, label);
  }

  /**
   * A copy named {@code label} in events, snapshots and exception messages.
   *
   * @param label the name to show; not blank
   * @return a copy with that label
   * @throws IllegalArgumentException if {@code label} is null or blank
   */
  public Command withLabel(String label) {
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("label must be non-blank, but was " + label);
    }
    return new Command(arguments, environment, directory, timeout, memoryLimit, label);
  }

  /**
   * The program and its arguments, as given.
   *
   * @return the arguments, the program first; unmodifiable
   */
  public List<String> arguments() {
    return arguments;
  }

  /**
   * The variables added to the inherited environment.
   *
   * @return the added variables, unmodifiable, in the order they were first set
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * The working directory of the program.
   *
   * @return the directory, or empty for the JVM's working directory
   */
  public Optional<Path> directory() {
    return Optional.ofNullable(directory);
  }

  /**
   * The command's own timeout.
   *
   * @return the timeout, or empty when the pool's {@code taskTimeout} applies
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * The command's own memory limit.
   *
   * @return the limit, or empty when the pool's {@code memoryLimit} applies
   */
  public Optional<MemorySize> memoryLimit() {
    return Optional.ofNullable(memoryLimit);
  }

  /**
   * The label; the program name unless set.
   *
   * @return the label
   */
  public String label() {
    return label;
  }

  /**
   * Refuses a list of arguments with a null or a NUL in one: the kernel takes each argument up to
   * its first NUL, and the rest would vanish unseen. The message names {@code what} and the index.
   */
  static void checkArguments(String what, List<String> arguments) {
    Objects.requireNonNull(arguments, what);
    for (int i = 0; i < arguments.size(); i++) {
      if (arguments.get(i) == null) {
        throw new IllegalArgumentException(
            what + " must not contain null, but argument " + i + " was null");
      }
      if (arguments.get(i).indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            what
                + " must not contain NUL, but argument "
                + i
                + " was '"
                + withNulShown(arguments.get(i))
                + "'");
      }
    }
  }

  /**
   * Refuses an environment entry the kernel would cut short or that would hide a process from
   * Stockade: a name empty or with '=' or NUL, a value with NUL, or the name of Stockade's tag.
   */
  static void checkEnvironmentEntry(String name, String value) {
    Objects.requireNonNull(value, "value");
    if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "environment variable name must be non-empty without '=' or NUL, but was "
              + (name == null ? null : "'" + withNulShown(name) + "'"));
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "environment variable value must not contain NUL, "
              + "but the value of "
              + name
              + " was '"
              + withNulShown(value)
              + "'");
    }
    if (name.equals(EnvironmentNames.TAG)) {
      throw new IllegalArgumentException(
          "environment variable name must not be "
              + EnvironmentNames.TAG
              + " (Stockade sets it to find the task's processes), but was "
              + name);
    }
  }

  /** {@code text} with each NUL shown as {@code \0}, so a message shows where it was. */
  static String withNulShown(String text) {
    return text.replace("\0", "\\0");
  }

  @Override
  public String toString() {
    return "Command[" + label + ": " + String.join(" ", arguments) + "]";
  }
}
