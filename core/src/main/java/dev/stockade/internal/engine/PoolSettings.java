package dev.stockade.internal.engine;

import dev.stockade.CgroupMode;
import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.PoolListener;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The settings both pools share, validated by their builders: how many trees, how much waits, the
 * limits every tree is held to, how the pool watches memory, and who hears of it.
 *
 * @param name the pool's name, in thread names, tags, logs and messages
 * @param workers how many trees may be alive at once
 * @param queueCapacity how many accepted tasks may wait beyond those the trees take
 * @param admissionWait how long a submission may block for room; empty to refuse at once
 * @param taskTimeout the default deadline of a task
 * @param memoryLimit the default limit of a tree's memory
 * @param maxProcesses the limit of a tree's process count
 * @param cgroupMode whether trees are contained in cgroups
 * @param minFreeMemory the memory that must stay available for a tree to start
 * @param memoryPressurePolicy what waits or fails while memory is short
 * @param memoryAccounting how a tree's memory is counted
 * @param sampleInterval how often every tree is measured and checked
 * @param terminationGrace how long a tree may take to exit after SIGTERM
 * @param listener empty when nobody listens
 * @param shutdownHook whether a JVM shutdown hook drains and closes the pool
 * @param callbackExecutor the caller's executor for their code; empty for the pool's own
 */
public record PoolSettings(
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
    Optional<PoolListener> listener,
    boolean shutdownHook,
    Optional<Executor> callbackExecutor) {

  /** The smallest memory limit that means anything: one page. */
  public static final long MIN_MEMORY_LIMIT_BYTES = 4096;

  /**
   * The deadline of a task: its own, or the pool's {@code taskTimeout}.
   *
   * @param kind what the task is, for the message: {@code task} or {@code command}
   * @param label its label, for the message
   * @throws IllegalArgumentException if it is shorter than {@code sampleInterval}, which could not
   *     hold it
   */
  public Duration deadlineOf(String kind, String label, Optional<Duration> own) {
    Duration timeout = own.orElse(taskTimeout);
    if (timeout.compareTo(sampleInterval) < 0) {
      // The message is built here only: a submission's path makes no string.
      throw new IllegalArgumentException(
          "timeout of "
              + kind
              + " '"
              + label
              + "' must be >= the pool's "
              + "sampleInterval ("
              + sampleInterval.toMillis()
              + " ms), but was "
              + timeout.toMillis()
              + " ms");
    }
    return timeout;
  }
}
