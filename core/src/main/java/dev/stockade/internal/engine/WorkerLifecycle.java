package dev.stockade.internal.engine;

import dev.stockade.EndReason;
import dev.stockade.WorkerState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The state of one worker and its allowed transitions. Ending is claimed once: the first cause to
 * call {@link #stop} (the tree's own exit, a timeout, a memory breach, a cancel, a close) wins, and
 * every later one is told it lost, so a future is completed exactly once.
 */
public final class WorkerLifecycle {
  private static final Map<WorkerState, Set<WorkerState>> ALLOWED =
      new EnumMap<>(WorkerState.class);

  static {
    ALLOWED.put(
        WorkerState.STARTING, EnumSet.of(WorkerState.IDLE, WorkerState.BUSY, WorkerState.STOPPING));
    ALLOWED.put(WorkerState.IDLE, EnumSet.of(WorkerState.BUSY, WorkerState.STOPPING));
    ALLOWED.put(WorkerState.BUSY, EnumSet.of(WorkerState.IDLE, WorkerState.STOPPING));
    ALLOWED.put(WorkerState.STOPPING, EnumSet.of(WorkerState.DEAD));
    ALLOWED.put(WorkerState.DEAD, EnumSet.noneOf(WorkerState.class));
  }

  private WorkerState state = WorkerState.STARTING;
  private EndReason endReason;

  public synchronized WorkerState state() {
    return state;
  }

  /** The cause that won {@link #stop}, or null while the worker has not been stopped. */
  public synchronized EndReason endReason() {
    return endReason;
  }

  /**
   * Moves to {@code next}.
   *
   * @throws IllegalStateException if the transition is not allowed
   */
  public synchronized void moveTo(WorkerState next) {
    if (!ALLOWED.get(state).contains(next)) {
      throw new IllegalStateException("worker cannot go from " + state + " to " + next);
    }
    state = next;
  }

  /** Claims the end for {@code reason}; false if the worker was already stopping or dead. */
  public synchronized boolean stop(EndReason reason) {
    if (state == WorkerState.STOPPING || state == WorkerState.DEAD) {
      return false;
    }
    state = WorkerState.STOPPING;
    endReason = reason;
    return true;
  }
}
