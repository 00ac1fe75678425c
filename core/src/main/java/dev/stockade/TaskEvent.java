package dev.stockade;

import java.time.Duration;
import java.util.Optional;

/**
 * A task started, completed or failed.
 *
 * @param poolName the pool
 * @param label the task's label
 * @param workerId the worker that ran it; empty if it never reached one
 * @param duration from start to end; zero for a start
 * @param failure why it failed; empty unless it failed
 */
public record TaskEvent(
    String poolName,
    String label,
    Optional<String> workerId,
    Duration duration,
    Optional<Throwable> failure) {}
