package dev.stockade;

/**
 * The life of one worker tree, as {@link WorkerSnapshot#state()} reports it. Transitions only move
 * forward through {@code STARTING → (IDLE ⇄ BUSY) → STOPPING → DEAD}; a {@link CommandPool} worker
 * runs one task, so it goes {@code STARTING → BUSY → STOPPING → DEAD}. A worker retired after its
 * current task (recycling, a graceful close) stays {@code BUSY} until that task ends.
 */
public enum WorkerState {
  /** The process is being started. */
  STARTING,
  /** Alive, waiting for a task (persistent workers). */
  IDLE,
  /** Running a task. */
  BUSY,
  /** Its tree is being ended and verified gone. */
  STOPPING,
  /** Every process of its tree has ended and its temporary directory is removed. */
  DEAD
}
