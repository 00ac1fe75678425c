package dev.stockade;

/**
 * The pool did not start a worker tree for the task because the memory available to its JVM's
 * container was below {@code minFreeMemory}, and its {@link MemoryPressurePolicy} is {@link
 * MemoryPressurePolicy#SHED}. The message names the figures and their source.
 */
public final class InsufficientMemoryException extends StockadeException {
  /** The reading that refused the start. */
  private final MemoryBudget budget;

  /**
   * An exception for a task shed for want of memory.
   *
   * @param message what was read and from where
   * @param budget the reading that refused the start
   */
  public InsufficientMemoryException(String message, MemoryBudget budget) {
    super(message);
    this.budget = budget;
  }

  /**
   * The reading that refused the start.
   *
   * @return the memory reading
   */
  public MemoryBudget budget() {
    return budget;
  }
}
