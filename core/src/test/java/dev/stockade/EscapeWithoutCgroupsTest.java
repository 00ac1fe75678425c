package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.os.ProcFs;
import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.MisbehavingHandler;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without cgroups, a process that clears its environment, leaves the session and loses its parent
 * before the tree is sampled is invisible to the tree walk, the session and the tag. If it still
 * holds the tree's output pipe, that pipe gives it away: it is found and ended after the teardown,
 * the task is not held up by it, and no pool thread stays blocked on the pipe. Survivors are
 * counted by their command line, independently of the library's own view.
 */
@ExtendWith(NoLeakedProcesses.class)
class EscapeWithoutCgroupsTest {
  private static final int TASKS = 20;

  /** Half the fixed wait for a held pipe these tasks used to pay. */
  private static final Duration TASK_BOUND = Duration.ofSeconds(1);

  private static CommandPoolBuilder commands(String name) {
    return CommandPool.builder()
        .name(name)
        .cgroupMode(CgroupMode.NONE)
        .workers(1)
        .sampleInterval(Duration.ofMillis(50))
        .terminationGrace(Duration.ofSeconds(1))
        .shutdownHook(false);
  }

  /** Runs {@code command} and returns its result, failing if it took longer than the bound. */
  private static CommandResult runWithin(CommandPool pool, Command command) throws Exception {
    long start = System.nanoTime();
    CommandResult result = pool.run(command).get(30, TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took)
        .as("time from submission to result of %s", command.label())
        .isLessThan(TASK_BOUND);
    return result;
  }

  @Test
  void endsEverySetsidEscapeeWhoseParentExitsAtOnceWithoutSlowingItsTask() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    List<String> survivors = new ArrayList<>();
    try (CommandPool pool = commands("escape-setsid").build()) {
      for (int i = 0; i < TASKS; i++) {
        String sleep = marker + String.format("%02d", i);
        CommandResult result =
            runWithin(pool, Command.of("sh", "-c", "env -i setsid -f sleep " + sleep + "; exit 0"));
        assertThat(result.exitStatus().isSuccess()).isTrue();
        assertThat(result.leftoverProcessesEnded())
            .as("the escapee, counted as a leftover")
            .isEqualTo(1);
        survivors.addAll(TestProcesses.liveWithCommandLine("sleep " + sleep));
      }
    }
    assertThat(survivors).as("escapees alive when their task completed").isEmpty();
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void endsEveryPythonDoubleForkEscapeeThatKeptItsDescriptors() throws Exception {
    String python = TestProcesses.requireProgram("python3");
    String daemonize =
        """
        import os, sys
        if os.fork():
            sys.exit(0)
        os.setsid()
        if os.fork():
            os._exit(0)
        os.execvp('sleep', ['sleep', sys.argv[1]])\
        """;
    String marker = TestProcesses.uniqueSleepSeconds();
    List<String> survivors = new ArrayList<>();
    try (CommandPool pool = commands("escape-python").build()) {
      for (int i = 0; i < TASKS; i++) {
        String sleep = marker + String.format("%02d", i);
        CommandResult result =
            runWithin(
                pool,
                Command.of(
                    "sh",
                    "-c",
                    "env -i \"$1\" -c \"$2\" \"$3\"; exit 0",
                    "sh",
                    python,
                    daemonize,
                    sleep));
        assertThat(result.exitStatus().isSuccess()).isTrue();
        survivors.addAll(TestProcesses.liveWithCommandLine("sleep " + sleep));
      }
    }
    assertThat(survivors).as("escapees alive when their task completed").isEmpty();
    assertThat(TestProcesses.liveWithCommandLine(marker)).isEmpty();
  }

  @Test
  void endsTheEscapeesOfAWorkerPoolsWorkersAtCloseAndLeavesNoIoThreadBehind() throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    String name = "escape-workers";
    WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .name(name)
            .jvmWorker(MisbehavingHandler.class)
            .cgroupMode(CgroupMode.NONE)
            .workers(2)
            .sampleInterval(Duration.ofMillis(50))
            .terminationGrace(Duration.ofSeconds(1))
            .shutdownHook(false)
            .build();
    try {
      List<CompletableFuture<String>> tasks = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        tasks.add(pool.submit("escape:" + marker + String.format("%02d", i)));
      }
      for (CompletableFuture<String> task : tasks) {
        assertThat(task.get(60, TimeUnit.SECONDS)).isEqualTo("escaped, shell exit 0");
      }
      assertThat(TestProcesses.liveWithCommandLine(marker))
          .as("the escapees, alive while their workers serve")
          .hasSize(TASKS);
    } catch (Throwable failed) {
      pool.close();
      throw failed;
    }
    long start = System.nanoTime();
    pool.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("close()")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(TestProcesses.liveWithCommandLine(marker)).as("escapees after close()").isEmpty();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(ioThreads(name)).as("the pool's I/O threads after close()").isEmpty());
  }

  @Test
  void warnsNamingAnOlderHolderItMayNotEndAndStopsReadingItsPipe(@TempDir Path dir)
      throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    Path pidFile = dir.resolve("pid");
    Path opened = dir.resolve("opened");
    // A process older than the task that opens the task's stdout through /proc and keeps it:
    // proof of nothing about the tree, so it must be named, not ended.
    Process outsider =
        new ProcessBuilder(
                "sh",
                "-c",
                "while [ ! -s \"$1\" ]; do sleep 0.01; done; exec 3>\"/proc/$(cat \"$1\")/fd/1\";"
                    + " : > \"$2\"; exec sleep "
                    + marker,
                "sh",
                pidFile.toString(),
                opened.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String name = "escape-outsider";
    try {
      long outsiderStart = ProcFs.readStat(outsider.pid()).startTime();
      // Start times count clock ticks: the task must start on a later tick to be younger.
      await().atMost(Duration.ofSeconds(5)).until(() -> ProcFs.uptimeTicks() > outsiderStart + 1);
      CommandResult[] result = new CommandResult[1];
      String log;
      try (CommandPool pool = commands(name).build()) {
        log =
            CapturedLog.during(
                () ->
                    result[0] =
                        runWithin(
                            pool,
                            Command.of(
                                "sh",
                                "-c",
                                "echo $$ > \"$1\"; while [ ! -e \"$2\" ]; do sleep 0.01; done; echo done",
                                "sh",
                                pidFile.toString(),
                                opened.toString())));
      }

      assertThat(result[0].stdout().text()).isEqualTo("done\n");
      assertThat(log)
          .contains("WARN")
          .contains("still held after its teardown by pid " + outsider.pid() + " (sleep " + marker)
          .contains("older than the tree");
      assertThat(outsider.isAlive()).as("the older holder, not the tree's to end").isTrue();
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(ioThreads(name)).as("the pool's I/O threads after close()").isEmpty());
    } finally {
      outsider.destroyForcibly();
      outsider.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static List<String> ioThreads(String poolName) {
    List<String> found = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("stockade-" + poolName + "-io-")) {
        found.add(t.getName() + " " + t.getState());
      }
    }
    return found;
  }
}
