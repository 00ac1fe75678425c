package dev.stockade;

/** How well a pool can serve, from best to worst ({@link PoolHealth#status()}). */
public enum HealthStatus {
  /** It takes and runs tasks as configured. */
  UP,
  /** It runs tasks, but something holds it back or weakens a guarantee. */
  DEGRADED,
  /** It cannot run new tasks. */
  DOWN
}
