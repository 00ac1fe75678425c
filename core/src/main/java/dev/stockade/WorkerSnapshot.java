package dev.stockade;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One worker tree at the last housekeeper sample: what it holds now, and the most it held.
 *
 * @param workerId unique within the pool
 * @param label the command's label
 * @param pid the tree's root process
 * @param state where the worker is in its life
 * @param processCountNow live processes of the tree at the last sample
 * @param peakProcessCount the most processes the tree had at one sample
 * @param memoryNow whole-tree memory at the last sample
 * @param peakMemory the largest whole-tree memory figure sampled
 * @param metricNow how {@code memoryNow} was measured
 * @param age since the root process started
 * @param tempDirectory the tree's {@code TMPDIR}, removed when the tree has ended
 * @param busyWithoutHeartbeat a {@link WorkerPool} worker that has sent no heartbeat for longer
 *     than {@code heartbeatTimeout} while its tree keeps using CPU — a long computation that blocks
 *     its runtime's heartbeat thread, such as a Python C call holding the GIL — so the pool judges
 *     it busy, not hung, and leaves it to {@code taskTimeout} and {@code progressTimeout}; false
 *     once it is heard from again, and always false for a {@link CommandPool} tree (see {@link
 *     PoolListener#workerBusyWithoutHeartbeat})
 */
public record WorkerSnapshot(
    String workerId,
    String label,
    long pid,
    WorkerState state,
    int processCountNow,
    int peakProcessCount,
    MemorySize memoryNow,
    MemorySize peakMemory,
    MemoryMetric metricNow,
    Duration age,
    Path tempDirectory,
    boolean busyWithoutHeartbeat) {}
