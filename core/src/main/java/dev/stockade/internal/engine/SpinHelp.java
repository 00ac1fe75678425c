package dev.stockade.internal.engine;

/**
 * What a caller spinning in {@code get} or {@code join} does for its task between two looks at the
 * outcome (see {@link TaskFuture}): library work that may settle the task on the caller's own
 * thread, such as reading the worker's answer. Never blocks and never runs caller code.
 */
public interface SpinHelp {
  /** One turn of the work; returns at once whether or not it settled anything. */
  void once();

  /** The caller stopped spinning: called exactly once for each help handed out. */
  void end();
}
