package dev.stockade.testing;

import dev.stockade.PoolListener;
import dev.stockade.TaskEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Records every task event by the task's label, for tests of the listener's contract: one start at
 * most, exactly one end. An optional probe runs inside each end event, to record what held at the
 * moment the end was reported.
 */
public final class TaskLedger implements PoolListener {
  public final Map<String, List<String>> byLabel = new ConcurrentHashMap<>();
  public final Map<String, TaskEvent> endOf = new ConcurrentHashMap<>();
  private final Consumer<TaskEvent> atEnd;

  public TaskLedger() {
    this(event -> {});
  }

  public TaskLedger(Consumer<TaskEvent> atEnd) {
    this.atEnd = atEnd;
  }

  private void note(TaskEvent event, String what) {
    byLabel.computeIfAbsent(event.label(), k -> new CopyOnWriteArrayList<>()).add(what);
  }

  @Override
  public void taskStarted(TaskEvent event) {
    note(event, "started");
  }

  @Override
  public void taskCompleted(TaskEvent event) {
    atEnd.accept(event);
    note(event, "completed");
    endOf.put(event.label(), event); // last: a test that sees the end sees its note
  }

  @Override
  public void taskFailed(TaskEvent event) {
    atEnd.accept(event);
    note(event, "failed " + event.failure().orElseThrow().getClass().getSimpleName());
    endOf.put(event.label(), event); // last: a test that sees the end sees its note
  }

  /** The events of one task, in order. */
  public List<String> of(String label) {
    return byLabel.getOrDefault(label, List.of());
  }
}
