package dev.stockade.internal.pool;

import dev.stockade.internal.engine.PoolSettings;

/**
 * A {@code CommandPool}'s configuration, validated by its builder.
 *
 * @param common what both pools share
 * @param outputLimitBytes how much of each stream a result keeps
 * @param failOnNonZeroExit whether a non-zero exit fails the future
 */
public record CommandPoolSettings(
    PoolSettings common, int outputLimitBytes, boolean failOnNonZeroExit) {}
