/**
 * What both pools do, written once. {@link dev.stockade.internal.engine.PoolEngine} is the base of
 * both engines: admission into a bounded queue, the registry of live trees checked against their
 * limits on every tick, the one claimed end of every tree, each task's one reported end, the
 * snapshot and close. Around it:
 *
 * <ul>
 *   <li>the tree: {@link dev.stockade.internal.engine.SupervisedTree} (start, sample, end, one per
 *       tree), {@link dev.stockade.internal.engine.LiveTree} (a tree the engine supervises), {@link
 *       dev.stockade.internal.engine.TreeEnding} (what a teardown did), {@link
 *       dev.stockade.internal.engine.WorkerLifecycle} (its public state, ended once), {@link
 *       dev.stockade.internal.engine.OutputTail} and {@link
 *       dev.stockade.internal.engine.PipeHolderSweep} (its output);
 *   <li>the task: {@link dev.stockade.internal.engine.PoolTask}, {@link
 *       dev.stockade.internal.engine.TaskFuture} (no caller code on pool threads), {@link
 *       dev.stockade.internal.engine.EndFailures} (the exception that names why);
 *   <li>the caller's code: {@link dev.stockade.internal.engine.CallbackExecutor}, {@link
 *       dev.stockade.internal.engine.Events}, {@link
 *       dev.stockade.internal.engine.SequentialExecutor};
 *   <li>the pool's threads: {@link dev.stockade.internal.engine.PoolThreads}, {@link
 *       dev.stockade.internal.engine.Spawner}, {@link dev.stockade.internal.engine.Housekeeper},
 *       {@link dev.stockade.internal.engine.DaemonThreads};
 *   <li>policies: {@link dev.stockade.internal.engine.MemoryAdmission} (memory before a start),
 *       {@link dev.stockade.internal.engine.Drain} (graceful close), {@link
 *       dev.stockade.internal.engine.PoolSettings} and {@link
 *       dev.stockade.internal.engine.SettingRules} (the settings both builders share).
 * </ul>
 *
 * <p>It uses {@code internal.os}, {@code internal.cgroup}, {@code internal.launch} and {@code
 * internal.lifeline}; the two engines ({@code internal.pool}, {@code internal.workers}) use it.
 */
package dev.stockade.internal.engine;
