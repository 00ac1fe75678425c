package dev.stockade;

import java.time.Duration;
import java.util.Optional;

/**
 * A task started, completed or failed.
 *
 * @param poolName the pool
 * @param taskId the task's number, unique within its pool, the same in its start and its end
 * @param label the task's label
 * @param workerId the worker that ran it; empty if it never reached one
 * @param queueWait how long it waited between submission and its start; zero if it never started
 * @param duration from start to end; zero for a start, and for the end of a task that never started
 * @param outcome how it ended; empty for a start
 * @param failure why it failed; empty unless it failed
 */
public record TaskEvent(
    String poolName,
    long taskId,
    String label,
    Optional<String> workerId,
    Duration queueWait,
    Duration duration,
    Optional<TaskOutcome> outcome,
    Optional<Throwable> failure) {}
