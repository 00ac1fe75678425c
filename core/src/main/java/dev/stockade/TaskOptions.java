package dev.stockade;

import dev.stockade.internal.engine.SettingRules;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one task of a {@link WorkerPool} is run, where it differs from the pool's settings: its label
 * in logs and messages, its own timeout, and whether it may be retried. Immutable; each {@code
 * with…} returns a copy.
 */
public final class TaskOptions {
  private static final TaskOptions DEFAULTS = new TaskOptions("task", null, false);

  private final String label;
  private final Duration timeout;
  private final boolean idempotent;

  private TaskOptions(String label, Duration timeout, boolean idempotent) {
    this.label = label;
    this.timeout = timeout;
    this.idempotent = idempotent;
  }

  /**
   * Label {@code "task"}, the pool's timeout, not idempotent.
   *
   * @return the default options
   */
  public static TaskOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Names the task in logs, events and exception messages.
   *
   * @param label the name to show; not blank
   * @return a copy with that label
   * @throws IllegalArgumentException if {@code label} is blank
   */
  public TaskOptions withLabel(String label) {
    Objects.requireNonNull(label, "label");
    if (label.isBlank()) {
      throw new IllegalArgumentException("label must be non-blank, but was '" + label + "'");
    }
    return new TaskOptions(label, timeout, idempotent);
  }

  /**
   * The task's own deadline, counted from when a worker takes it.
   *
   * @param timeout the longest the task may run once a worker took it
   * @return a copy with that timeout
   * @throws IllegalArgumentException if {@code timeout} is not positive or is longer than 365 days
   */
  public TaskOptions withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    SettingRules.require(
        !timeout.isNegative() && !timeout.isZero(), "timeout", "positive", timeout);
    SettingRules.requireAtMostLongest(timeout, "timeout");
    return new TaskOptions(label, timeout, idempotent);
  }

  /**
   * Marks the task safe to run more than once: if its worker crashes, stops sending heartbeats or
   * breaks the protocol, the pool runs it again on another worker, up to the pool's {@code
   * retryAttempts}. A task that is not marked is never run twice. Timeouts, memory breaches,
   * cancels and the handler's own errors are never retried. {@code false} (the default) unmarks it.
   *
   * @param idempotent whether the task may run again after its worker failed
   * @return a copy marked (or unmarked) idempotent
   */
  public TaskOptions withIdempotent(boolean idempotent) {
    return new TaskOptions(label, timeout, idempotent);
  }

  /**
   * The task's name in logs, events and exception messages.
   *
   * @return the label, {@code "task"} unless set
   */
  public String label() {
    return label;
  }

  /**
   * The task's own deadline.
   *
   * @return the timeout, or empty when the pool's {@code taskTimeout} applies
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Whether the task may be run again after its worker failed.
   *
   * @return true if marked with {@link #withIdempotent withIdempotent(true)}
   */
  public boolean isIdempotent() {
    return idempotent;
  }

  @Override
  public String toString() {
    return "TaskOptions[label="
        + label
        + ", timeout="
        + timeout
        + ", idempotent="
        + idempotent
        + "]";
  }
}
