/**
 * Stockade: supervised pools of operating-system processes.
 *
 * <p>A {@link dev.stockade.CommandPool} runs each {@link dev.stockade.Command} as a fresh
 * process tree, at most {@code workers} trees at once, with a bounded queue in front. Each tree
 * is held to a {@linkplain dev.stockade.CommandPool.Builder#taskTimeout deadline} and a
 * {@linkplain dev.stockade.CommandPool.Builder#memoryLimit memory limit over the whole tree},
 * measured as chosen by {@link dev.stockade.MemoryAccounting}. When a tree ends — by itself or
 * because Stockade ended it — every process of it is gone, daemons that escaped included,
 * before the caller's future completes:
 *
 * <ul>
 *   <li>with a {@link dev.stockade.CommandResult} when the command ended by itself (its
 *       {@link dev.stockade.ExitStatus}, {@link dev.stockade.CapturedOutput} of stdout and
 *       stderr, duration and peak tree memory);
 *   <li>or with a {@link dev.stockade.StockadeException} that says why:
 *       {@link dev.stockade.TaskTimeoutException}, {@link dev.stockade.MemoryLimitExceededException}
 *       (both {@link dev.stockade.WorkerFailureException}s carrying
 *       {@link dev.stockade.WorkerDetails}), {@link dev.stockade.WorkerStartException},
 *       {@link dev.stockade.CommandFailedException}, {@link dev.stockade.PoolSaturatedException},
 *       {@link dev.stockade.PoolClosedException}.
 * </ul>
 *
 * <p>{@link dev.stockade.PoolListener} receives {@link dev.stockade.WorkerEvent}s,
 * {@link dev.stockade.TaskEvent}s and, for persistent workers that are silent but busy,
 * {@link dev.stockade.BusyWorkerEvent}s; {@code snapshot()} returns a {@link dev.stockade.PoolSnapshot}
 * of {@link dev.stockade.WorkerSnapshot}s. Sizes are {@link dev.stockade.MemorySize}s; every
 * process started carries the variable named by {@link dev.stockade.EnvironmentNames#TAG}.
 *
 * <p>Everything under {@code dev.stockade.internal} is machinery, not API: it may change in any
 * release.
 */
package dev.stockade;
