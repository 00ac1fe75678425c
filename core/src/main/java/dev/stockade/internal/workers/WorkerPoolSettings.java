package dev.stockade.internal.workers;

import dev.stockade.HealthCheck;
import dev.stockade.CgroupMode;
import dev.stockade.MemoryAccounting;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.PoolListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/** A {@code WorkerPool}'s configuration, validated by its builder. */
public record WorkerPoolSettings(
    String name,
    Launch launch,
    int workers,
    int tasksInFlightPerWorker,
    int minIdle,
    int queueCapacity,
    Optional<Duration> admissionWait,
    Duration taskTimeout,
    MemorySize memoryLimit,
    MemorySize softMemoryLimit,
    int maxProcesses,
    CgroupMode cgroupMode,
    MemorySize minFreeMemory,
    MemoryPressurePolicy memoryPressurePolicy,
    MemoryAccounting memoryAccounting,
    Duration sampleInterval,
    Duration terminationGrace,
    Duration startTimeout,
    Duration heartbeatInterval,
    Duration heartbeatTimeout,
    Optional<Duration> progressTimeout,
    Duration healthCheckInterval,
    Duration healthCheckTimeout,
    int healthCheckFailures,
    Optional<HealthCheck> healthCheck,
    int maxTasksPerWorker,
    Optional<Duration> maxWorkerAge,
    double recycleJitter,
    Duration idleTimeout,
    Duration cancelGrace,
    int maxFrameSize,
    Duration restartBackoffInitial,
    Duration restartBackoffMax,
    int startFailureThreshold,
    Duration circuitOpenDuration,
    int retryAttempts,
    Optional<PoolListener> listener,
    boolean shutdownHook,
    Optional<Executor> callbackExecutor) {

  /**
   * How a worker process is started.
   *
   * @param arguments program and arguments
   * @param environment extra environment
   * @param directory working directory, or null for the JVM's
   * @param label names the workers in logs and messages
   * @param runtimeDirectory where the pool wrote a worker runtime, removed when it closes; or
   *     null
   */
  public record Launch(List<String> arguments, Map<String, String> environment, Path directory,
      String label, Path runtimeDirectory) {}
}
