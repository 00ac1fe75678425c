package dev.stockade;

/**
 * The life of one worker tree. Transitions only move forward through
 * {@code STARTING → (IDLE ⇄ BUSY) → DRAINING → STOPPING → DEAD}; a {@link CommandPool} worker
 * runs one task, so it goes {@code STARTING → BUSY → STOPPING → DEAD}.
 */
public enum WorkerState {
  /** The process is being started. */
  STARTING,
  /** Alive, waiting for a task (persistent workers). */
  IDLE,
  /** Running a task. */
  BUSY,
  /** Finishing its current task, then it will stop (recycling). */
  DRAINING,
  /** Its tree is being ended and verified gone. */
  STOPPING,
  /** Every process of its tree has ended and its temporary directory is removed. */
  DEAD
}
