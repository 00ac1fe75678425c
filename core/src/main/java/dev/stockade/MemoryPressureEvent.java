package dev.stockade;

/**
 * The memory available to a pool's JVM fell below {@code minFreeMemory} — or rose above it again —
 * and what the pool did about it.
 *
 * @param poolName the pool
 * @param budget the reading that decided
 * @param minFreeMemory the threshold
 * @param underPressure true when memory fell below the threshold, false when it is back
 * @param action what the pool did, for instance {@code "queued 3 tasks"} or {@code "retired idle
 *     worker w2 (310.0 MiB)"}
 */
public record MemoryPressureEvent(
    String poolName,
    MemoryBudget budget,
    MemorySize minFreeMemory,
    boolean underPressure,
    String action) {}
