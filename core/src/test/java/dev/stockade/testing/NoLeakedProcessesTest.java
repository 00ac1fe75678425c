package dev.stockade.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.CgroupMode;
import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.EnvironmentNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leak check itself: it finds what the library cannot see — a process that cleared its
 * environment, started a session of its own and lost its parent, the escape without cgroups that
 * docs/decisions.md admits — where the check by tag does not; and it counts a zombie the test JVM
 * inherited as a leak.
 */
@ExtendWith(NoLeakedProcesses.class)
class NoLeakedProcessesTest {

  @Test
  void catchesAProcessThatClearedItsEnvironmentLeftItsSessionAndLostItsParent(@TempDir Path dir)
      throws Exception {
    String marker = TestProcesses.uniqueSleepSeconds();
    Path escaped = dir.resolve("escaped");
    CommandResult result;
    // No sample during the task (the first comes after a minute), and no pipe held: the
    // teardown's one walk meets an escapee with no tag, its own session and no parent of the
    // tree, since the shell waits until the escapee has called setsid.
    try (CommandPool pool =
        CommandPool.builder()
            .name("leak-check-escape")
            .cgroupMode(CgroupMode.NONE)
            .sampleInterval(Duration.ofMinutes(1))
            .shutdownHook(false)
            .build()) {
      result =
          pool.run(
                  Command.of(
                      "sh",
                      "-c",
                      "env -i setsid -f sh -c ': > \"$1\"; exec sleep "
                          + marker
                          + "' sh \"$1\""
                          + " </dev/null >/dev/null 2>&1;"
                          + " while [ ! -e \"$1\" ]; do sleep 0.01; done",
                      "sh",
                      escaped.toString()))
              .get(30, TimeUnit.SECONDS);
    }
    assertThat(result.leftoverProcessesEnded()).as("what the library saw and ended").isZero();
    List<String> byCommandLine = TestProcesses.liveWithCommandLine("sleep " + marker);
    assertThat(byCommandLine).as("the escapee, alive").hasSize(1);

    assertThat(NoLeakedProcesses.taggedAlive())
        .as("the check by tag")
        .noneMatch(p -> byCommandLine.get(0).startsWith(p.pid() + " "));
    List<ProcessList.Entry> leaked = NoLeakedProcesses.leakedDescendants();
    assertThat(leaked)
        .as("the independent check")
        .singleElement()
        .satisfies(e -> assertThat(e.args()).isEqualTo("sleep " + marker))
        .satisfies(
            e ->
                assertThat(e.ppid())
                    .as("its parent: the test JVM, a subreaper")
                    .isEqualTo(ProcessHandle.current().pid()));
    assertThat(Files.readString(Path.of("/proc", Long.toString(leaked.get(0).pid()), "environ")))
        .as("its environment")
        .doesNotContain(EnvironmentNames.TAG);

    NoLeakedProcesses.killAndReap(leaked);
    assertThat(TestProcesses.liveWithCommandLine("sleep " + marker)).isEmpty();
    assertThat(ProcessList.of(leaked.get(0).pid())).as("neither alive nor a zombie").isNull();
  }

  @Test
  void countsAZombieOrphanOfTheTestJvmAsALeak() throws Exception {
    // `true` is orphaned at once and exits: a zombie of the test JVM no Process waits for.
    Process shell = new ProcessBuilder("sh", "-c", "setsid -f true").start();
    assertThat(shell.waitFor()).isZero();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(NoLeakedProcesses.leakedDescendants())
                    .as("the independent check")
                    .singleElement()
                    .satisfies(e -> assertThat(e.isZombie()).isTrue())
                    .satisfies(e -> assertThat(e.name()).isEqualTo("true")));

    List<ProcessList.Entry> leaked = NoLeakedProcesses.leakedDescendants();
    NoLeakedProcesses.killAndReap(leaked);
    assertThat(ProcessList.of(leaked.get(0).pid())).as("reaped").isNull();
  }
}
