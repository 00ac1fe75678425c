/**
 * The JVM worker's side of the protocol, which runs in the worker process, not in the pool: {@link
 * dev.stockade.internal.runtime.JvmWorkerLoop} reads TASK frames, runs the handler, and sends
 * answers, heartbeats and progress within the supervisor's frame bound ({@link
 * dev.stockade.internal.runtime.BoundedPayloads}). The Python and Node runtimes are their own
 * files, written out by {@code WorkerRuntimes}.
 */
package dev.stockade.internal.runtime;
