package dev.stockade;

/**
 * A pool's health changed: a problem appeared or went away ({@link PoolListener#healthChanged}).
 *
 * @param poolName the pool
 * @param previous its health before
 * @param current its health now
 */
public record HealthEvent(String poolName, PoolHealth previous, PoolHealth current) {}
