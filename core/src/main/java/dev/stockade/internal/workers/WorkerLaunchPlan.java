package dev.stockade.internal.workers;

import dev.stockade.Command;
import dev.stockade.MemorySize;
import dev.stockade.ScriptWorker;
import dev.stockade.WorkerRuntimes;
import dev.stockade.internal.engine.SettingRules;
import dev.stockade.internal.launch.ProgramCheck;
import dev.stockade.internal.launch.ProgramStartException;
import dev.stockade.internal.os.TempDirectories;
import dev.stockade.worker.Handler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How a pool's workers will be started, planned in two steps so that a failed build leaves nothing
 * on disk: {@link #checked} refuses a program the kernel could not start (once, at build, rather
 * than on every start) and writes nothing; {@link #withRuntime}, the last step before the pool
 * starts, writes the Python or Node runtime to a directory of the pool's own.
 */
public final class WorkerLaunchPlan {
  private WorkerLaunchPlan() {}

  /** What program a worker is: one of four kinds. */
  public sealed interface Kind permits Jvm, Python, Node, Program {}

  /**
   * A child JVM running a handler class.
   *
   * @param handler the handler's class
   */
  public record Jvm(Class<? extends Handler> handler) implements Kind {}

  /**
   * A Python script, {@code python3} unless it names its interpreter, with the Python runtime on
   * {@code PYTHONPATH}.
   *
   * @param script the script and how to run it
   */
  public record Python(ScriptWorker script) implements Kind {}

  /**
   * A Node script, {@code node} unless it names its interpreter, with the Node runtime on {@code
   * NODE_PATH}.
   *
   * @param script the script and how to run it
   */
  public record Node(ScriptWorker script) implements Kind {}

  /**
   * Any program that speaks the protocol.
   *
   * @param command the program, its environment and directory
   */
  public record Program(Command command) implements Kind {}

  /**
   * How a worker of {@code kind} will be started, checked as the start itself will check it (the
   * program can be started in its directory); nothing is written yet.
   *
   * @param memoryLimit a JVM worker's heap is sized from it
   * @param jvmOptions a JVM worker's extra options
   * @param jvmClassPath a JVM worker's class path, or null to find it from this JVM's
   * @throws IllegalArgumentException naming the setting, when the program cannot start, a script or
   *     command is not one a worker can be, or a JVM option or class path entry is not one a JVM
   *     can be given
   */
  public static WorkerPoolSettings.Launch checked(
      Kind kind, MemorySize memoryLimit, List<String> jvmOptions, List<Path> jvmClassPath) {
    for (int i = 0; i < jvmOptions.size(); i++) {
      // The kernel takes each argument up to its first NUL: the rest would vanish unseen.
      SettingRules.require(
          jvmOptions.get(i).indexOf('\0') < 0,
          "jvmOptions",
          "free of NUL characters",
          "'" + jvmOptions.get(i).replace("\0", "\\0") + "' (option " + i + ")");
    }
    if (jvmClassPath != null) {
      SettingRules.require(
          kind instanceof Jvm, "jvmWorkerClassPath", "set only for jvmWorker pools", jvmClassPath);
      SettingRules.require(
          !jvmClassPath.isEmpty(),
          "jvmWorkerClassPath",
          "at least one jar or directory",
          jvmClassPath);
      for (int i = 0; i < jvmClassPath.size(); i++) {
        Path entry = jvmClassPath.get(i);
        SettingRules.require(
            Files.exists(entry),
            "jvmWorkerClassPath",
            "existing jars and directories",
            entry.toAbsolutePath() + " (entry " + i + ", which does not exist)");
      }
    }
    if (kind instanceof Jvm jvm) {
      return startable(
          "jvmWorker",
          new WorkerPoolSettings.Launch(
              JvmWorkerCommand.arguments(jvm.handler(), memoryLimit, jvmOptions, jvmClassPath),
              JvmWorkerCommand.ENVIRONMENT,
              null,
              jvm.handler().getSimpleName(),
              null));
    }
    if (kind instanceof Program program) {
      Command command = program.command();
      SettingRules.require(
          command.timeout().isEmpty(),
          "command",
          "without a timeout (set " + "taskTimeout on the pool)",
          command.timeout().map(SettingRules::shown).orElse(""));
      SettingRules.require(
          command.memoryLimit().isEmpty(),
          "command",
          "without a memory limit " + "(set memoryLimit on the pool)",
          command.memoryLimit().map(Object::toString).orElse(""));
      return startable(
          "command",
          new WorkerPoolSettings.Launch(
              command.arguments(),
              command.environment(),
              command.directory().orElse(null),
              command.label(),
              null));
    }
    boolean python = kind instanceof Python;
    ScriptWorker worker = python ? ((Python) kind).script() : ((Node) kind).script();
    String setting = python ? "pythonWorker" : "nodeWorker";
    Path directory = worker.directory().map(Path::toAbsolutePath).orElse(null);
    if (directory != null) {
      SettingRules.require(
          Files.isDirectory(directory), setting, "started in an existing directory", directory);
    }
    // A relative script is found where the worker starts, as the interpreter would find it.
    Path script =
        directory != null ? directory.resolve(worker.script()) : worker.script().toAbsolutePath();
    SettingRules.require(Files.isRegularFile(script), setting, "an existing file", script);
    List<String> argv = new ArrayList<>();
    argv.add(worker.interpreter().orElse(python ? "python3" : "node"));
    argv.addAll(worker.interpreterOptions());
    argv.add(script.toString());
    argv.addAll(worker.arguments());
    return startable(
        setting,
        new WorkerPoolSettings.Launch(
            List.copyOf(argv),
            worker.environment(),
            directory,
            script.getFileName().toString(),
            null));
  }

  /**
   * {@code launch}, once its program is shown startable in its directory: a program that does not
   * exist is better refused here than on every start.
   */
  private static WorkerPoolSettings.Launch startable(
      String setting, WorkerPoolSettings.Launch launch) {
    String path = launch.environment().getOrDefault("PATH", System.getenv("PATH"));
    try {
      ProgramCheck.verify(launch.arguments().get(0), path, launch.directory());
    } catch (ProgramStartException e) {
      throw new IllegalArgumentException(
          setting + " must start a program the kernel can run" + ", but " + e.getMessage(), e);
    }
    return launch;
  }

  /**
   * Writes the worker runtime ({@link #withRuntime}), then starts the pool with the launch that
   * names it; if the start throws, the directory is removed before the failure goes on, so a failed
   * build leaves nothing on disk.
   *
   * @param start starts the pool with the final launch
   */
  public static <P> P startWithRuntime(
      Kind kind,
      WorkerPoolSettings.Launch planned,
      String poolName,
      Function<WorkerPoolSettings.Launch, P> start) {
    WorkerPoolSettings.Launch launch = withRuntime(kind, planned, poolName);
    try {
      return start.apply(launch);
    } catch (RuntimeException | Error e) {
      if (launch.runtimeDirectory() != null) {
        TempDirectories.delete(launch.runtimeDirectory());
      }
      throw e;
    }
  }

  /**
   * {@code planned}, with the worker runtime written to a directory of the pool's own (for Python
   * and Node workers) and put on the interpreter's module path. The caller removes the directory
   * ({@link WorkerPoolSettings.Launch#runtimeDirectory()}) if the pool then fails to start; if
   * writing fails, nothing is left.
   *
   * @throws UncheckedIOException if the runtime cannot be written
   */
  private static WorkerPoolSettings.Launch withRuntime(
      Kind kind, WorkerPoolSettings.Launch planned, String poolName) {
    if (!(kind instanceof Python) && !(kind instanceof Node)) {
      return planned;
    }
    boolean python = kind instanceof Python;
    // A directory of this pool's own (two pools of one name must not share or delete it),
    // named as the worker trees' are, so the start-up sweep removes it after a killed run.
    Path runtimes = TempDirectories.create(poolName, TempDirectories.RUNTIME);
    try {
      if (python) {
        WorkerRuntimes.writePython(runtimes);
      } else {
        WorkerRuntimes.writeNode(runtimes);
      }
    } catch (IOException | RuntimeException e) {
      TempDirectories.delete(runtimes);
      throw e instanceof IOException io
          ? new UncheckedIOException(
              "cannot write the worker runtime for pool '" + poolName + "'", io)
          : (RuntimeException) e;
    }
    String variable = python ? "PYTHONPATH" : "NODE_PATH";
    // The caller's own value, else the JVM's, stays behind the runtime's directory.
    String existing = planned.environment().getOrDefault(variable, System.getenv(variable));
    Map<String, String> env = new HashMap<>(planned.environment());
    env.put(
        variable,
        existing == null || existing.isEmpty() ? runtimes.toString() : runtimes + ":" + existing);
    return new WorkerPoolSettings.Launch(
        planned.arguments(), env, planned.directory(), planned.label(), runtimes);
  }
}
