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
 * @param busyWithoutHeartbeat a {@link WorkerPool} worker that has sent no heartbeat for longer
 *     than {@code heartbeatTimeout} while its tree keeps using CPU — a long computation that
 *     blocks its runtime's heartbeat thread, such as a Python C call holding the GIL — so the
 *     pool judges it busy, not hung, and leaves it to {@code taskTimeout} and
 *     {@code progressTimeout}; false once it is heard from again, and always false for a
 *     {@link CommandPool} tree (see {@link PoolListener#workerBusyWithoutHeartbeat})
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
    Path tempDirectory,
    boolean busyWithoutHeartbeat) {}
