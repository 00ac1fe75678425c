package dev.stockade.internal.pool;

import dev.stockade.CgroupMode;
import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.PoolListener;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A {@code CommandPool}'s configuration, validated by its builder.
 *
 * @param admissionWait how long {@code run} may block for room; empty to refuse at once
 * @param listener empty when nobody listens
 */
public record CommandPoolSettings(
    String name,
    int workers,
    int queueCapacity,
    Optional<Duration> admissionWait,
    Duration taskTimeout,
    MemorySize memoryLimit,
    int maxProcesses,
    CgroupMode cgroupMode,
    MemorySize minFreeMemory,
    MemoryPressurePolicy memoryPressurePolicy,
    MemoryAccounting memoryAccounting,
    Duration sampleInterval,
    Duration terminationGrace,
    int outputLimitBytes,
    boolean failOnNonZeroExit,
    Optional<PoolListener> listener,
    boolean shutdownHook,
    Optional<Executor> callbackExecutor) {

  /** The smallest memory limit that means anything: one page. */
  public static final long MIN_MEMORY_LIMIT_BYTES = 4096;
}
