package dev.stockade;

/**
 * The pool did not start a worker tree for the task because the memory available to its JVM's
 * container was below {@code minFreeMemory}, and its {@link MemoryPressurePolicy} is
 * {@link MemoryPressurePolicy#SHED}. The message names the figures and their source.
 */
public final class InsufficientMemoryException extends StockadeException {
  private final MemoryBudget budget;

  public InsufficientMemoryException(String message, MemoryBudget budget) {
    super(message);
    this.budget = budget;
  }

  /** The reading that refused the start. */
  public MemoryBudget budget() {
    return budget;
  }
}
