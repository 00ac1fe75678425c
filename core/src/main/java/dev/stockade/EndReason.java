package dev.stockade;

/** Why a worker tree ended. Endings Stockade caused are told apart from the tree's own. */
public enum EndReason {
  /** The root process exited by itself (any exit code, or a signal Stockade did not send). */
  EXITED(false),
  /** The task ran past its timeout. */
  TIMEOUT(true),
  /** The tree's memory crossed its hard limit. */
  MEMORY_LIMIT(true),
  /** The caller cancelled the task's future. */
  CANCELLED(true),
  /** The pool was closed. */
  POOL_CLOSED(true);

  private final boolean causedByStockade;

  EndReason(boolean causedByStockade) {
    this.causedByStockade = causedByStockade;
  }

  /** True when Stockade decided to end the tree; false when the tree ended on its own. */
  public boolean isCausedByStockade() {
    return causedByStockade;
  }
}
