/**
 * Stockade: supervised pools of operating-system processes. Every type a user needs is in this
 * package (and, for a JVM worker's own code, {@link dev.stockade.worker}); everything under {@code
 * dev.stockade.internal} is machinery, not exported, and may change in any release.
 *
 * <p>A {@link dev.stockade.CommandPool} runs each {@link dev.stockade.Command} as a fresh process
 * tree; a {@link dev.stockade.WorkerPool} keeps long-lived workers (JVM, Python, Node or any
 * program speaking the protocol) that take task after task. Both hold at most {@code workers} trees
 * at once behind a bounded queue, hold each tree to a deadline and a memory limit over the whole
 * tree, and complete a task's future only once every process of its tree is gone, daemons that
 * escaped included. The types group as follows.
 *
 * <h2>Pools and their settings</h2>
 *
 * <ul>
 *   <li>{@link dev.stockade.CommandPool} and {@link dev.stockade.WorkerPool}, the two kinds of
 *       {@link dev.stockade.ProcessPool} (what a caller takes for "either pool": its name, snapshot
 *       and close).
 *   <li>{@link dev.stockade.CommandPoolBuilder} and {@link dev.stockade.WorkerPoolBuilder}, which
 *       configure them; the settings both take are declared and checked once in {@link
 *       dev.stockade.PoolBuilder}. Every setting is set at most once and checked at {@code
 *       build()}.
 *   <li>Values of settings: {@link dev.stockade.CgroupMode} (containment), {@link
 *       dev.stockade.MemoryAccounting} and {@link dev.stockade.MemoryPressurePolicy} (memory,
 *       below), {@link dev.stockade.HealthCheck} (a probe of idle workers).
 *   <li>{@link dev.stockade.WorkerRuntimes}: the Python and Node worker runtimes, which a {@code
 *       WorkerPool} writes out itself, for starting such workers by other means.
 * </ul>
 *
 * <h2>Tasks and how they are run</h2>
 *
 * <ul>
 *   <li>{@link dev.stockade.Command}: a program, its arguments, environment and directory, and its
 *       own timeout and memory limit — a task of a {@code CommandPool}, or the program of a {@code
 *       WorkerPool}'s workers.
 *   <li>{@link dev.stockade.TaskOptions}: a {@code WorkerPool} task's label, timeout and whether it
 *       may be retried ({@link dev.stockade.TaskOptions#withIdempotent}).
 *   <li>Codecs turn a {@code WorkerPool}'s inputs and results into payload bytes: {@link
 *       dev.stockade.Codec} ({@code bytes()}, {@code utf8()}) and {@link dev.stockade.JacksonCodec}
 *       (JSON, with the optional Jackson dependency).
 *   <li>{@link dev.stockade.worker.Handler} and {@link dev.stockade.worker.TaskContext}: what a JVM
 *       worker implements; {@link dev.stockade.worker.WorkerMain} is its process's main class.
 * </ul>
 *
 * <h2>Results and snapshots</h2>
 *
 * <ul>
 *   <li>{@link dev.stockade.CommandResult}: how a command ended by itself — its {@link
 *       dev.stockade.ExitStatus}, its stdout and stderr as {@link dev.stockade.CapturedOutput}, its
 *       duration and its peaks.
 *   <li>{@link dev.stockade.PoolSnapshot}: a pool's counts now, with a {@link
 *       dev.stockade.WorkerSnapshot} (in a {@link dev.stockade.WorkerState}) per live tree, the
 *       {@link dev.stockade.MemoryBudget} of the pool's JVM and the {@link
 *       dev.stockade.LifelineStatus} of the watchdog that ends the trees if the JVM is killed.
 *   <li>{@link dev.stockade.WorkerDetails}: the facts of a tree at its end (pid, peaks, exit
 *       status, stderr tail), attached to every failure a tree caused and to every {@link
 *       dev.stockade.WorkerEvent} of an end.
 * </ul>
 *
 * <p>Peaks and present values keep one naming throughout: {@code peakMemory()} and {@code
 * peakProcessCount()} are the most a tree held at one sample (with {@code peakMetric()} saying how
 * the memory was measured); {@code memoryNow()} and {@code processCountNow()} are a snapshot's
 * figures at the last sample.
 *
 * <h2>Exceptions, by cause</h2>
 *
 * Every one is a {@link dev.stockade.StockadeException} that completes the task's future (admission
 * failures too: they are failed futures, never throws).
 *
 * <ul>
 *   <li><b>Refused at admission</b>: {@link dev.stockade.PoolSaturatedException} (queue full),
 *       {@link dev.stockade.PoolClosedException} (shut down or closed; also a task a close cut
 *       off), {@link dev.stockade.PoolUnhealthyException} (workers keep failing to start), {@link
 *       dev.stockade.InsufficientMemoryException} (memory pressure with {@code SHED}).
 *   <li><b>A limit or a watch of the pool ended the tree</b> — each a {@link
 *       dev.stockade.WorkerFailureException} carrying the {@link dev.stockade.WorkerDetails}:
 *       {@link dev.stockade.TaskTimeoutException}, {@link
 *       dev.stockade.MemoryLimitExceededException}, {@link
 *       dev.stockade.ProcessLimitExceededException}, {@link
 *       dev.stockade.HeartbeatTimeoutException}, {@link dev.stockade.ProgressTimeoutException},
 *       {@link dev.stockade.WorkerProtocolException} (the worker broke the protocol), {@link
 *       dev.stockade.SupervisionFailedException} (the pool could no longer watch it); and {@link
 *       dev.stockade.WorkerCrashedException} when the worker died by itself.
 *   <li><b>The program failed</b>: {@link dev.stockade.WorkerStartException} (it could not start,
 *       or a worker never became ready), {@link dev.stockade.TaskFailedException} (a worker's
 *       handler raised), {@link dev.stockade.CommandFailedException} (a non-zero exit, with {@code
 *       failOnNonZeroExit(true)}).
 * </ul>
 *
 * A cancelled future fails with the JDK's {@link java.util.concurrent.CancellationException}.
 *
 * <h2>Events</h2>
 *
 * {@link dev.stockade.PoolListener} receives a {@link dev.stockade.WorkerEvent} when a tree starts
 * or ends (with its {@link dev.stockade.EndReason}), a {@link dev.stockade.TaskEvent} when a task
 * starts, completes or fails, a {@link dev.stockade.BusyWorkerEvent} when a worker is silent but
 * busy, and a {@link dev.stockade.MemoryPressureEvent} when memory runs short or comes back. The
 * listener's Javadoc says on which thread and in which order.
 *
 * <h2>Memory</h2>
 *
 * {@link dev.stockade.MemorySize} is every amount (binary units); a figure says how it was measured
 * with a {@link dev.stockade.MemoryMetric}; {@link dev.stockade.MemoryAccounting} is how a pool
 * measures trees against their limits; {@link dev.stockade.MemoryBudget} is what the pool's JVM
 * (its container) may use and has left, which {@code minFreeMemory} and the {@link
 * dev.stockade.MemoryPressurePolicy} act on.
 *
 * <h2>Processes</h2>
 *
 * Every process a pool starts carries the environment variable named by {@link
 * dev.stockade.EnvironmentNames#TAG}, by which Stockade finds the processes that left their tree.
 */
package dev.stockade;
