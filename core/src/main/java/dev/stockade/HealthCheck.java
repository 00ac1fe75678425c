package dev.stockade;

/**
 * A probe of an idle worker, run by the pool besides its own PING (for instance: connect to the
 * DevTools port a browser worker wrote into its {@code TMPDIR}). It runs on a pool thread and must
 * answer within the pool's {@code healthCheckTimeout}. Returning false or throwing counts as one
 * failure; {@code healthCheckFailures} failures in a row retire the worker.
 */
@FunctionalInterface
public interface HealthCheck {
  /**
   * Probes one idle worker.
   *
   * @param worker the worker probed, as at the last sample
   * @return true if the worker is healthy
   * @throws Exception if the probe fails; counted as one failure, like false
   */
  boolean isHealthy(WorkerSnapshot worker) throws Exception;
}
