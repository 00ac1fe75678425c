package dev.stockade;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A worker that is a script run by an interpreter: a Python script for {@link
 * WorkerPoolBuilder#pythonWorker(ScriptWorker)}, a Node script for {@link
 * WorkerPoolBuilder#nodeWorker(ScriptWorker)}. A worker runs {@code interpreter [interpreter
 * options] script [arguments]} in its directory, with its environment added to the JVM's.
 *
 * <p>Immutable; every {@code with…} method returns a copy. Checked when the pool is built, not when
 * a worker starts: the script must be a file, the directory a directory, and the interpreter a
 * program the kernel can start there (a bare name is looked up on the {@code PATH} the worker gets,
 * its own if its environment sets one); a failure names the setting and the path.
 *
 * <pre>{@code
 * WorkerPool<byte[], byte[]> pool = WorkerPool.builder(Codec.bytes(), Codec.bytes())
 *     .pythonWorker(ScriptWorker.of(Path.of("render.py"))
 *         .withInterpreter("/srv/app/.venv/bin/python")
 *         .withArguments("--model", "small")
 *         .withEnvironment("OMP_NUM_THREADS", "1")
 *         .withDirectory(Path.of("/srv/app")))
 *     .build();
 * }</pre>
 */
public final class ScriptWorker {
  private final Path script;
  private final String interpreter;
  private final List<String> interpreterOptions;
  private final List<String> arguments;

  /** Unmodifiable, in the order the entries were first set. */
  private final Map<String, String> environment;

  private final Path directory;

  private ScriptWorker(
      Path script,
      String interpreter,
      List<String> interpreterOptions,
      List<String> arguments,
      Map<String, String> environment,
      Path directory) {
    this.script = script;
    this.interpreter = interpreter;
    this.interpreterOptions = interpreterOptions;
    this.arguments = arguments;
    this.environment = environment;
    this.directory = directory;
  }

  /**
   * The script {@code script}, run by the pool's default interpreter ({@code python3} or {@code
   * node} on the {@code PATH}), in the JVM's working directory.
   *
   * @param script the script; a relative path is taken from the worker's directory
   * @return the script worker
   */
  public static ScriptWorker of(Path script) {
    Objects.requireNonNull(script, "script");
    return new ScriptWorker(script, null, List.of(), List.of(), Map.of(), null);
  }

  /**
   * A copy run by {@code interpreter} instead of {@code python3} or {@code node}: a virtual
   * environment's {@code python}, a Node installed elsewhere.
   *
   * @param interpreter a path (a relative one is taken from the worker's directory), or a bare name
   *     looked up on the {@code PATH}
   * @return a copy run by that interpreter
   * @throws IllegalArgumentException if {@code interpreter} is blank or holds a NUL character
   */
  public ScriptWorker withInterpreter(String interpreter) {
    Objects.requireNonNull(interpreter, "interpreter");
    Command.checkArguments("interpreter", List.of(interpreter));
    if (interpreter.isBlank()) {
      throw new IllegalArgumentException(
          "interpreter must not be blank, but was '" + interpreter + "'");
    }
    return new ScriptWorker(
        script, interpreter, interpreterOptions, arguments, environment, directory);
  }

  /**
   * A copy whose interpreter is given {@code options} before the script: {@code -X dev} or {@code
   * -O} for Python, {@code --max-old-space-size=512} for Node.
   *
   * @param options the interpreter's options, in order
   * @return a copy with those options, replacing any given before
   * @throws IllegalArgumentException if an option is null or holds a NUL character
   */
  public ScriptWorker withInterpreterOptions(String... options) {
    Objects.requireNonNull(options, "options");
    String[] copy = options.clone();
    Command.checkArguments("interpreterOptions", Arrays.asList(copy));
    return new ScriptWorker(script, interpreter, List.of(copy), arguments, environment, directory);
  }

  /**
   * A copy whose script is given {@code arguments} after its path ({@code sys.argv[1:]} in Python,
   * {@code process.argv.slice(2)} in Node).
   *
   * @param arguments the script's arguments, in order
   * @return a copy with those arguments, replacing any given before
   * @throws IllegalArgumentException if an argument is null or holds a NUL character
   */
  public ScriptWorker withArguments(String... arguments) {
    Objects.requireNonNull(arguments, "arguments");
    String[] copy = arguments.clone();
    Command.checkArguments("arguments", Arrays.asList(copy));
    return new ScriptWorker(
        script, interpreter, interpreterOptions, List.of(copy), environment, directory);
  }

  /**
   * A copy with the environment variable {@code name} set to {@code value} for every worker, added
   * to the JVM's environment. A {@code PYTHONPATH} or {@code NODE_PATH} set here is kept behind the
   * runtime's directory, which the pool puts first.
   *
   * @param name the variable's name
   * @param value its value
   * @return a copy with that variable added to those already set (or changed, if it was set)
   * @throws IllegalArgumentException if the name is empty or holds '=' or NUL, the value holds NUL,
   *     or the name is Stockade's own tag
   */
  public ScriptWorker withEnvironment(String name, String value) {
    Command.checkEnvironmentEntry(name, value);
    Map<String, String> env = new LinkedHashMap<>(environment);
    env.put(name, value);
    return new ScriptWorker(
        script,
        interpreter,
        interpreterOptions,
        arguments,
        Collections.unmodifiableMap(env),
        directory);
  }

  /**
   * A copy whose workers start in {@code directory} instead of the JVM's working directory.
   *
   * @param directory the workers' working directory
   * @return a copy that starts there
   */
  public ScriptWorker withDirectory(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return new ScriptWorker(
        script, interpreter, interpreterOptions, arguments, environment, directory);
  }

  /**
   * The script, as given.
   *
   * @return the script's path
   */
  public Path script() {
    return script;
  }

  /**
   * The interpreter, if one was given.
   *
   * @return the interpreter, or empty for the pool's default ({@code python3} or {@code node})
   */
  public Optional<String> interpreter() {
    return Optional.ofNullable(interpreter);
  }

  /**
   * The interpreter's options.
   *
   * @return the options, unmodifiable
   */
  public List<String> interpreterOptions() {
    return interpreterOptions;
  }

  /**
   * The script's arguments.
   *
   * @return the arguments, unmodifiable
   */
  public List<String> arguments() {
    return arguments;
  }

  /**
   * The variables added to the JVM's environment.
   *
   * @return the variables, unmodifiable, in the order they were first set
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * The workers' working directory.
   *
   * @return the directory, or empty for the JVM's working directory
   */
  public Optional<Path> directory() {
    return Optional.ofNullable(directory);
  }

  @Override
  public String toString() {
    return "ScriptWorker[" + script + "]";
  }
}
