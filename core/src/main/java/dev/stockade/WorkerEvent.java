package dev.stockade;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A worker tree started or ended.
 *
 * @param poolName the pool
 * @param workerId unique within the pool
 * @param label the command's label
 * @param pid the root process
 * @param tempDirectory the tree's {@code TMPDIR}
 * @param endReason why it ended; empty for a start
 * @param details the tree's facts at its end; empty for a start
 */
public record WorkerEvent(
    String poolName,
    String workerId,
    String label,
    long pid,
    Path tempDirectory,
    Optional<EndReason> endReason,
    Optional<WorkerDetails> details) {}
