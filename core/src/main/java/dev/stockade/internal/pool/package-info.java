/**
 * The engine of {@code CommandPool}: what only a pool of one-shot commands does on top of {@link
 * dev.stockade.internal.engine.PoolEngine}. {@link dev.stockade.internal.pool.RealCommandPool}
 * gives each admitted task a slot and a tree of its own, holds it to its deadline, and on its end
 * turns the tree's exit into a {@code CommandResult} ({@link
 * dev.stockade.internal.pool.CommandOutcome}).
 */
package dev.stockade.internal.pool;
