package dev.stockade;

import java.time.Duration;

/**
 * A {@link WorkerPool} worker went silent while busy, or was heard from again after that (see
 * {@link PoolListener#workerBusyWithoutHeartbeat}).
 *
 * @param poolName the pool
 * @param workerId unique within the pool
 * @param label the worker's label
 * @param pid the worker's root process
 * @param silence how long it had sent nothing: past {@code heartbeatTimeout} when it is judged
 *     busy; its whole silence, to within one sample interval, when it is heard from again
 * @param cpuTime the CPU time its tree used in that silence (over the last {@code heartbeatTimeout}
 *     when it is judged busy)
 * @param heardAgain false when the worker is judged busy without heartbeat, true when it has since
 *     sent a frame again
 */
public record BusyWorkerEvent(
    String poolName,
    String workerId,
    String label,
    long pid,
    Duration silence,
    Duration cpuTime,
    boolean heardAgain) {}
