/**
 * The engine of {@code WorkerPool}: persistent workers that speak the protocol, on top of {@link
 * dev.stockade.internal.engine.PoolEngine}. One job per class:
 *
 * <ul>
 *   <li>{@link dev.stockade.internal.workers.RealWorkerPool} joins the parts: admission,
 *       cancellation, the tick, and a worker's end;
 *   <li>{@link dev.stockade.internal.workers.WorkerStarter} starts workers; {@link
 *       dev.stockade.internal.workers.StartHealth} says whether they can start, with {@link
 *       dev.stockade.internal.workers.StartPolicy} (backoff, circuit breaker);
 *   <li>{@link dev.stockade.internal.workers.Dispatcher} hands queued tasks to workers;
 *   <li>{@link dev.stockade.internal.workers.Conversation} speaks the protocol with each worker,
 *       over its {@link dev.stockade.internal.workers.WorkerConnection};
 *   <li>{@link dev.stockade.internal.workers.HealthJudge} and {@link
 *       dev.stockade.internal.workers.SilenceJudge} decide whether a worker is kept, pinged,
 *       retired or ended — the first as a function of {@link
 *       dev.stockade.internal.workers.WorkerLife} and the time, tested without processes; {@link
 *       dev.stockade.internal.workers.HealthProbe} runs the caller's health check;
 *   <li>{@link dev.stockade.internal.workers.Settlement} settles what an ended worker held, with
 *       {@link dev.stockade.internal.workers.TaskRetry} for idempotent tasks.
 * </ul>
 *
 * <p>A worker's life is one {@link dev.stockade.internal.workers.WorkerPhase}, changed only by
 * {@link dev.stockade.internal.workers.WorkerLife#moveTo}.
 */
package dev.stockade.internal.workers;
