package dev.stockade;

/**
 * One reason a pool is not {@link HealthStatus#UP} ({@link PoolHealth#problems()}), with the status
 * it brings.
 */
public enum HealthProblem {
  /** {@code shutdown()} or {@code close()} was called: the pool takes no new tasks. */
  CLOSED(HealthStatus.DOWN),
  /**
   * A {@link WorkerPool}'s circuit breaker over starts is open or probing: workers kept failing to
   * start, and submissions are refused with {@link PoolUnhealthyException}.
   */
  BREAKER_OPEN(HealthStatus.DOWN),
  /**
   * A {@link WorkerPool}'s last worker start failed and no worker serves: nothing the pool holds
   * can run until a start succeeds.
   */
  WORKERS_CANNOT_START(HealthStatus.DOWN),
  /**
   * The memory available to the pool's JVM is below {@code minFreeMemory}: new trees are held back
   * (or queued tasks shed, by the {@link MemoryPressurePolicy}).
   */
  MEMORY_PRESSURE(HealthStatus.DEGRADED),
  /**
   * Every worker is busy and the queue is full: a submission now is refused with {@link
   * PoolSaturatedException} (or waits, with {@code blockWhenSaturated}).
   */
  SATURATED(HealthStatus.DEGRADED),
  /**
   * This JVM's lifeline watchdog died or could not be started: if the JVM were killed now, its
   * trees would outlive it until the next start-up sweep.
   */
  NO_LIFELINE(HealthStatus.DEGRADED);

  private final HealthStatus severity;

  HealthProblem(HealthStatus severity) {
    this.severity = severity;
  }

  /**
   * The status this problem brings on its own.
   *
   * @return {@link HealthStatus#DOWN} or {@link HealthStatus#DEGRADED}
   */
  public HealthStatus severity() {
    return severity;
  }
}
