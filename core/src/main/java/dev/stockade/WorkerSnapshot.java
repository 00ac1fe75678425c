package dev.stockade;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One worker tree at the last housekeeper sample.
 *
 * @param workerId unique within the pool
 * @param label the command's label
 * @param pid the tree's root process
 * @param state where the worker is in its life
 * @param processCount live processes of the tree at the last sample
 * @param memoryNow whole-tree memory at the last sample
 * @param memoryPeak the largest whole-tree figure sampled
 * @param metric how {@code memoryNow} was measured
 * @param age since the root process started
 * @param tempDirectory the tree's {@code TMPDIR}, removed when the tree has ended
 */
public record WorkerSnapshot(
    String workerId,
    String label,
    long pid,
    WorkerState state,
    int processCount,
    MemorySize memoryNow,
    MemorySize memoryPeak,
    MemoryMetric metric,
    Duration age,
    Path tempDirectory) {}
