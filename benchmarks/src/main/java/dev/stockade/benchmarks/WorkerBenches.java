package dev.stockade.benchmarks;

import dev.stockade.Codec;
import dev.stockade.WorkerPool;
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
   * A pool of {@code workers} {@link EchoHandler} JVM workers, all started at build ({@code minIdle
   * = workers}), otherwise with the pool's defaults; room to queue {@code queueCapacity} tasks; no
   * shutdown hook (the benchmark closes it).
   */
  static WorkerPool<byte[], byte[]> jvmPool(String name, int workers, int queueCapacity) {
    return jvmPool(name, workers, queueCapacity, 1);
  }

  /** The same with {@code inFlight} tasks sent to a worker before its first answer. */
  static WorkerPool<byte[], byte[]> jvmPool(
      String name, int workers, int queueCapacity, int inFlight) {
    return WorkerPool.builder(Codec.bytes(), Codec.bytes())
        .name(name)
        .jvmWorker(EchoHandler.class)
        .workers(workers)
        .tasksInFlightPerWorker(inFlight)
        .minIdle(workers)
        .queueCapacity(queueCapacity)
        .shutdownHook(false)
        .build();
  }

  /** The same with {@code python3 echo_worker.py} workers (the shipped Python runtime). */
  static WorkerPool<byte[], byte[]> pythonPool(
      String name, int workers, int queueCapacity, Path echoWorker) {
    return pythonPool(name, workers, queueCapacity, echoWorker, 1);
  }

  /** The same with {@code inFlight} tasks sent to a worker before its first answer. */
  static WorkerPool<byte[], byte[]> pythonPool(
      String name, int workers, int queueCapacity, Path echoWorker, int inFlight) {
    return WorkerPool.builder(Codec.bytes(), Codec.bytes())
        .name(name)
        .pythonWorker(echoWorker)
        .workers(workers)
        .tasksInFlightPerWorker(inFlight)
        .minIdle(workers)
        .queueCapacity(queueCapacity)
        .shutdownHook(false)
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
    try {
      return writeScript("echo_worker.py", Files.createTempDirectory("stockade-bench-py-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes {@code script} and the directory {@link #writeEchoWorker} made for it. */
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
