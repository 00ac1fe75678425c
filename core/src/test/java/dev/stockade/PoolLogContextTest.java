package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.CapturedLog.LoggedLine;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a log line says of its origin: the {@link MdcKeys} of the pool, the worker and the task on
 * the lines a worker writes and on the library's own lines about a worker or a command's tree, and,
 * in a failure, only the stderr lines of the task that failed.
 */
@ExtendWith(NoLeakedProcesses.class)
class PoolLogContextTest {
  private static final int TASKS = 60;

  /** Task numbers by label, from the listener. */
  private final Map<String, Long> taskIds = new ConcurrentHashMap<>();

  /** The worker or tree of each task, by label, from the listener. */
  private final Map<String, String> workerIds = new ConcurrentHashMap<>();

  private final PoolListener ids =
      new PoolListener() {
        @Override
        public void taskStarted(TaskEvent event) {
          taskIds.put(event.label(), event.taskId());
          event.workerId().ifPresent(w -> workerIds.put(event.label(), w));
        }
      };

  @Test
  void eachStderrLineCarriesTheTaskThatWroteIt() throws Exception {
    List<LoggedLine> lines = linesOfTasks(1);
    for (int i = 0; i < TASKS; i++) {
      String label = "t" + i;
      // The handler's own line and its child process's line: both written during the task.
      for (String written : List.of("] line-" + i, "] child says line-" + i)) {
        assertThat(onlyLineEnding(lines, written).context())
            .as("the context of the line ending '%s'", written)
            .containsEntry(MdcKeys.POOL, "mdc")
            .containsEntry(MdcKeys.WORKER, "w1")
            .containsEntry(MdcKeys.TASK, Long.toString(taskIds.get(label)))
            .containsEntry(MdcKeys.LABEL, label);
      }
    }
  }

  @Test
  void withTasksInFlightBehindTheRunningOneNoLineIsPutOnALaterTask() throws Exception {
    // The next tasks are already sent when one answers, and may write before that answer is
    // read: such a line goes to a task before its own. None ever goes to a task after the one
    // that wrote it, so a failure never shows a line of a task run before it.
    List<LoggedLine> lines = linesOfTasks(4);
    for (int i = 0; i < TASKS; i++) {
      var ownOrEarlier = new ArrayList<String>();
      for (int j = 0; j <= i; j++) {
        ownOrEarlier.add(Long.toString(taskIds.get("t" + j)));
      }
      for (String written : List.of("] line-" + i, "] child says line-" + i)) {
        assertThat(onlyLineEnding(lines, written).context().get(MdcKeys.TASK))
            .as("the task of the line ending '%s'", written)
            .isIn(ownOrEarlier);
      }
    }
  }

  /** The lines logged while one worker ran {@link #TASKS} tasks, each writing two lines. */
  private List<LoggedLine> linesOfTasks(int tasksInFlightPerWorker) throws Exception {
    return CapturedLog.linesDuring(
        () -> {
          try (WorkerPool<String, String> pool =
              JvmWorkers.pool()
                  .name("mdc")
                  .workers(1)
                  .tasksInFlightPerWorker(tasksInFlightPerWorker)
                  .listener(ids)
                  .build()) {
            var futures = new ArrayList<CompletableFuture<String>>();
            for (int i = 0; i < TASKS; i++) {
              futures.add(
                  pool.submit("print:line-" + i, TaskOptions.defaults().withLabel("t" + i)));
            }
            for (CompletableFuture<String> f : futures) {
              assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("printed");
            }
          }
        });
  }

  private static LoggedLine onlyLineEnding(List<LoggedLine> lines, String end) {
    List<LoggedLine> found = lines.stream().filter(l -> l.text().endsWith(end)).toList();
    assertThat(found).as("the lines ending '%s'", end).hasSize(1);
    return found.get(0);
  }

  @Test
  void aCrashShowsOnlyTheStderrLinesOfTheTaskThatRan() throws Exception {
    try (WorkerPool<String, String> pool = JvmWorkers.pool().workers(1).build()) {
      pool.submit("print:words of an earlier task").get(30, TimeUnit.SECONDS);
      CompletableFuture<String> task = pool.submit("last-words:the crashing task's words");
      assertThatThrownBy(() -> task.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              WorkerCrashedException.class,
              e -> {
                assertThat(e.details().stderrTail()).isEqualTo("the crashing task's words");
                assertThat(e.getMessage()).doesNotContain("earlier task");
              });
    }
  }

  @Test
  void aTimeoutShowsOnlyItsTasksLinesAndItsWarningNamesTheTask() throws Exception {
    var failure = new AtomicReference<Throwable>();
    List<LoggedLine> lines =
        CapturedLog.linesDuring(
            () -> {
              try (WorkerPool<String, String> pool =
                  JvmWorkers.pool().name("late").workers(1).listener(ids).build()) {
                pool.submit("print:words of an earlier task").get(30, TimeUnit.SECONDS);
                CompletableFuture<String> late =
                    pool.submit(
                        "say-then-sleep:the late task's words",
                        TaskOptions.defaults()
                            .withLabel("late one")
                            .withTimeout(Duration.ofSeconds(2)));
                failure.set(catchThrowable(() -> late.get(30, TimeUnit.SECONDS)).getCause());
              }
            });
    assertThat(failure.get())
        .isInstanceOfSatisfying(
            TaskTimeoutException.class,
            e -> assertThat(e.details().stderrTail()).isEqualTo("the late task's words"));
    LoggedLine warning =
        lines.stream()
            .filter(l -> l.text().contains("ending worker w1 for TIMEOUT"))
            .findFirst()
            .orElseThrow();
    assertThat(warning.context())
        .containsEntry(MdcKeys.POOL, "late")
        .containsEntry(MdcKeys.WORKER, "w1")
        .containsEntry(MdcKeys.TASK, Long.toString(taskIds.get("late one")))
        .containsEntry(MdcKeys.LABEL, "late one");
  }

  @Test
  void aCommandsTimeoutWarningNamesItsPoolTreeAndTask() throws Exception {
    List<LoggedLine> lines =
        CapturedLog.linesDuring(
            () -> {
              try (CommandPool pool =
                  CommandPool.builder().name("commands").workers(1).listener(ids).build()) {
                CompletableFuture<CommandResult> slow =
                    pool.run(
                        Command.of("sleep", TestProcesses.uniqueSleepSeconds())
                            .withLabel("slow one")
                            .withTimeout(Duration.ofMillis(500)));
                assertThat(catchThrowable(() -> slow.get(30, TimeUnit.SECONDS)))
                    .hasCauseInstanceOf(TaskTimeoutException.class);
              }
            });
    LoggedLine warning =
        lines.stream()
            .filter(l -> l.text().contains("ending task 'slow one' for TIMEOUT"))
            .findFirst()
            .orElseThrow();
    assertThat(warning.context())
        .containsEntry(MdcKeys.POOL, "commands")
        .containsEntry(MdcKeys.WORKER, workerIds.get("slow one"))
        .containsEntry(MdcKeys.TASK, Long.toString(taskIds.get("slow one")))
        .containsEntry(MdcKeys.LABEL, "slow one");
  }
}
