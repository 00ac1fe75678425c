package dev.stockade.benchmarks;

import dev.stockade.Codec;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerPoolBuilder;
import dev.stockade.internal.os.ProcessInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * What the worker benchmarks share: the payload, the pools they build, the Python scripts they
 * write out, and the check that no process of theirs is left. Not a benchmark.
 *
 * <p>A pool's processes carry {@code STOCKADE_TAG=<pool name>@<JVM pid>-<nonce>/wN}; every pool
 * here is named {@code bench-<kind>}, so its tags have the format of every benchmark's tags and
 * {@link #ofPoolName} finds them.
 */
final class WorkerBenches {
  /** The task of every worker benchmark: eight bytes, echoed back. */
  static final byte[] PAYLOAD = "12345678".getBytes(StandardCharsets.US_ASCII);

  private static final String SCRIPTS = "/dev/stockade/benchmarks/python/";

  private WorkerBenches() {}

  /**
   * A builder of a pool named {@code name} of {@code workers} workers, all started at build ({@code
   * minIdle = workers}), with no shutdown hook (the benchmark closes it); every other setting at
   * the pool's default until the caller sets it.
   */
  static <I, O> WorkerPoolBuilder<I, O> builder(
      Codec<I> input, Codec<O> output, String name, int workers) {
    return WorkerPool.builder(input, output)
        .name(name)
        .workers(workers)
        .minIdle(workers)
        .shutdownHook(false);
  }

  /**
   * A pool of {@code workers} {@link EchoHandler} JVM workers with room to queue {@code
   * queueCapacity} tasks, otherwise as {@link #builder} makes it: the default dispatch.
   */
  static WorkerPool<byte[], byte[]> jvmPool(String name, int workers, int queueCapacity) {
    return builder(Codec.bytes(), Codec.bytes(), name, workers)
        .jvmWorker(EchoHandler.class)
        .queueCapacity(queueCapacity)
        .build();
  }

  /** The same with {@code inFlight} tasks sent to a worker before its first answer. */
  static WorkerPool<byte[], byte[]> jvmPool(
      String name, int workers, int queueCapacity, int inFlight) {
    return builder(Codec.bytes(), Codec.bytes(), name, workers)
        .jvmWorker(EchoHandler.class)
        .tasksInFlightPerWorker(inFlight)
        .queueCapacity(queueCapacity)
        .build();
  }

  /** The same with {@code python3 echo_worker.py} workers (the shipped Python runtime). */
  static WorkerPool<byte[], byte[]> pythonPool(
      String name, int workers, int queueCapacity, Path echoWorker) {
    return builder(Codec.bytes(), Codec.bytes(), name, workers)
        .pythonWorker(echoWorker)
        .queueCapacity(queueCapacity)
        .build();
  }

  /** The same with {@code inFlight} tasks sent to a worker before its first answer. */
  static WorkerPool<byte[], byte[]> pythonPool(
      String name, int workers, int queueCapacity, Path echoWorker, int inFlight) {
    return builder(Codec.bytes(), Codec.bytes(), name, workers)
        .pythonWorker(echoWorker)
        .tasksInFlightPerWorker(inFlight)
        .queueCapacity(queueCapacity)
        .build();
  }

  /** Runs one task and checks it came back unchanged; the first may wait for the start. */
  static void roundTrip(WorkerPool<byte[], byte[]> pool) {
    try {
      byte[] echoed = pool.submit(PAYLOAD).get(60, TimeUnit.SECONDS);
      check(echoed);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("pool " + pool.name() + " did not echo a task", e);
    }
  }

  static void check(byte[] echoed) {
    if (!Arrays.equals(echoed, PAYLOAD)) {
      throw new IllegalStateException(
          "the worker answered "
              + new String(echoed, StandardCharsets.UTF_8)
              + " instead of echoing");
    }
  }

  /** Writes the packaged Python script {@code name} into {@code directory}. */
  static Path writeScript(String name, Path directory) {
    try (InputStream in = WorkerBenches.class.getResourceAsStream(SCRIPTS + name)) {
      if (in == null) {
        throw new IllegalStateException("no resource " + SCRIPTS + name + " on the class path");
      }
      Path file = directory.resolve(name);
      Files.write(file, in.readAllBytes());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh temporary directory holding {@code echo_worker.py}. */
  static Path writeEchoWorker() {
    return writeWorker("echo_worker.py");
  }

  /** A fresh temporary directory holding the packaged Python script {@code name}. */
  static Path writeWorker(String name) {
    try {
      return writeScript(name, Files.createTempDirectory("stockade-bench-py-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes {@code script} and the directory {@link #writeWorker} made for it. */
  static void deleteScript(Path script) {
    if (script == null) {
      return;
    }
    try {
      Files.deleteIfExists(script);
      Files.deleteIfExists(script.getParent());
    } catch (IOException e) {
      System.err.println("warning: could not delete " + script + ": " + e);
    }
  }

  /** Matches the tags of every pool named {@code name} that this JVM supervises. */
  static Predicate<String> ofPoolName(String name) {
    String prefix = name + "@" + ProcessHandle.current().pid() + "-";
    return t -> t.startsWith(prefix);
  }

  /**
   * Checks, after a pool was closed, that no live process carries one of its tags; kills any found
   * and throws. {@code close()} returns once every tree is gone, so there must be none.
   */
  static void assertNoneLeft(Predicate<String> tags, String what) {
    List<ProcessInfo> live = BenchProcesses.liveTagged(tags);
    if (!live.isEmpty()) {
      int found = BenchProcesses.killAll(tags, null);
      throw new IllegalStateException(
          found
              + " processes of "
              + what
              + " were alive after it "
              + "was closed (now killed): "
              + live);
    }
  }

  /**
   * Closes a benchmark's pool named {@code name}, checks that none of its processes is left, and
   * removes its worker's script ({@code null} for a JVM worker), even if the check fails.
   */
  static void close(WorkerPool<?, ?> pool, String name, Path script) {
    try {
      pool.close();
      assertNoneLeft(ofPoolName(name), "pool " + name);
    } finally {
      deleteScript(script);
    }
  }

  /** Waits at most {@code timeout} for {@code process}, then kills it. */
  static void await(Process process, long timeout, TimeUnit unit) {
    try {
      if (!process.waitFor(timeout, unit)) {
        process.destroyForcibly();
        throw new IllegalStateException("process " + process.pid() + " did not end in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(e);
    }
  }
}
