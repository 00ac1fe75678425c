package dev.stockade;

import dev.stockade.internal.workers.WorkerLaunchPlan;
import dev.stockade.worker.Handler;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The part of {@link WorkerPoolBuilder} that says what program a worker is: one of four kinds, and
 * for a JVM worker its options and class path. Its methods are {@code WorkerPoolBuilder}'s; it is a
 * class of its own so that each file holds one group of settings.
 *
 * @param <I> the task input type
 * @param <O> the result type
 */
abstract sealed class WorkerProgramBuilder<I, O> extends PoolBuilder<WorkerPoolBuilder<I, O>>
    permits WorkerPoolBuilder {
  /** The worker's program: null until one kind is given. */
  WorkerLaunchPlan.Kind kind;

  List<String> jvmOptions = List.of();

  /** Null: found from how this JVM was started. */
  List<Path> jvmWorkerClassPath;

  WorkerProgramBuilder(String namePrefix) {
    super(namePrefix);
  }

  @SuppressWarnings("unchecked") // sealed: the one subclass is WorkerPoolBuilder<I, O>
  private WorkerPoolBuilder<I, O> builder() {
    return (WorkerPoolBuilder<I, O>) this;
  }

  private void kind(WorkerLaunchPlan.Kind next) {
    if (kind != null) {
      throw new IllegalStateException(
          "the worker kind was already set to " + kind + "; a pool has one kind of worker");
    }
    kind = next;
  }

  /**
   * Workers are child JVMs running {@code handler} (see {@link Handler}), started with this JVM's
   * {@code java}, a heap of 60 % of the memory limit, the serial collector, and exit on {@link
   * OutOfMemoryError}. They find their classes as this JVM was started: its class path ({@code java
   * -cp}, {@code java -jar}), a Spring Boot executable jar (through Boot's {@code
   * PropertiesLauncher}), the files of the {@code URLClassLoader}s that loaded the handler and
   * Stockade ({@code mvn exec:java}), or its module path (the handler's module added; its package
   * must be exported to {@code dev.stockade}). Where none of these can be named as files, {@link
   * WorkerPoolBuilder#build()} fails and {@link #jvmWorkerClassPath} is the fix. On JDK 22 and
   * later they get {@code --enable-native-access} for Stockade's native calls.
   *
   * @param handler the class of the handler; public, with a public no-argument constructor
   * @return this builder
   * @throws IllegalStateException if the worker kind was already set
   */
  public WorkerPoolBuilder<I, O> jvmWorker(Class<? extends Handler> handler) {
    kind(new WorkerLaunchPlan.Jvm(Objects.requireNonNull(handler, "handler")));
    return builder();
  }

  /**
   * The class path of {@link #jvmWorker} JVMs, instead of the one found from how this JVM was
   * started: the jars and directories of Stockade, the handler and their dependencies. For a
   * handler loaded by a class loader whose classes are not files this JVM can name (an application
   * server's modules, classes defined from memory). Each entry must exist.
   *
   * @param classPath the jars and directories of the worker JVMs' class path, in order
   * @return this builder
   * @throws IllegalStateException if the class path was already set
   */
  public WorkerPoolBuilder<I, O> jvmWorkerClassPath(List<Path> classPath) {
    rules.once("jvmWorkerClassPath", jvmWorkerClassPath);
    this.jvmWorkerClassPath = List.copyOf(classPath);
    return builder();
  }

  /**
   * Extra options for {@link #jvmWorker} JVMs, after Stockade's own (so they win).
   *
   * @param options the options, in order
   * @return this builder
   * @throws IllegalStateException if the options were already set
   */
  public WorkerPoolBuilder<I, O> jvmOptions(List<String> options) {
    rules.once("jvmOptions", jvmOptions);
    this.jvmOptions = List.copyOf(options);
    return builder();
  }

  /**
   * Workers are {@code python3 script}. The Python runtime ({@link WorkerRuntimes}) is written out
   * by the pool and put on {@code PYTHONPATH}, so the script may {@code import stockade_worker} and
   * call {@code stockade_worker.run(handle)}. The same as {@code
   * pythonWorker(ScriptWorker.of(script))}.
   *
   * @param script the Python script a worker runs
   * @return this builder
   * @throws IllegalStateException if the worker kind was already set
   */
  public WorkerPoolBuilder<I, O> pythonWorker(Path script) {
    return pythonWorker(ScriptWorker.of(script));
  }

  /**
   * Workers are a Python script run by its interpreter, {@code python3} unless {@code script} names
   * another (a virtual environment's {@code python}), with its options, arguments, environment and
   * directory. The Python runtime ({@link WorkerRuntimes}) is written out by the pool and put first
   * on {@code PYTHONPATH}, so the script may {@code import stockade_worker} and call {@code
   * stockade_worker.run(handle)}; the script's own directory is on Python's path as always, so it
   * may import modules beside it.
   *
   * @param script the script and how to run it
   * @return this builder
   * @throws IllegalStateException if the worker kind was already set
   */
  public WorkerPoolBuilder<I, O> pythonWorker(ScriptWorker script) {
    kind(new WorkerLaunchPlan.Python(Objects.requireNonNull(script, "script")));
    return builder();
  }

  /**
   * Workers are {@code node script}. The Node runtime ({@link WorkerRuntimes}) is written out by
   * the pool and put on {@code NODE_PATH}, so the script may {@code require('stockade-worker')} and
   * call {@code run(handler)}. The same as {@code nodeWorker(ScriptWorker.of(script))}.
   *
   * @param script the Node script a worker runs
   * @return this builder
   * @throws IllegalStateException if the worker kind was already set
   */
  public WorkerPoolBuilder<I, O> nodeWorker(Path script) {
    return nodeWorker(ScriptWorker.of(script));
  }

  /**
   * Workers are a Node script run by {@code node}, or by the interpreter {@code script} names, with
   * its options, arguments, environment and directory. The Node runtime ({@link WorkerRuntimes}) is
   * written out by the pool and put first on {@code NODE_PATH}, so the script may {@code
   * require('stockade-worker')} and call {@code run(handler)}.
   *
   * @param script the script and how to run it
   * @return this builder
   * @throws IllegalStateException if the worker kind was already set
   */
  public WorkerPoolBuilder<I, O> nodeWorker(ScriptWorker script) {
    kind(new WorkerLaunchPlan.Node(Objects.requireNonNull(script, "script")));
    return builder();
  }

  /**
   * Workers are {@code command}, any program that speaks the protocol. Its arguments, environment,
   * directory and label are used; it must not carry a timeout or memory limit (set them on the
   * pool).
   *
   * @param command the program a worker runs
   * @return this builder
   * @throws IllegalStateException if the worker kind was already set
   */
  public WorkerPoolBuilder<I, O> command(Command command) {
    kind(new WorkerLaunchPlan.Program(Objects.requireNonNull(command, "command")));
    return builder();
  }
}
