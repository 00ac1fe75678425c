/**
 * The bulk calls of a worker pool ({@code WorkerPool.map}, {@code mapUnordered}): inputs cut into
 * chunks sent as BATCH tasks, a bounded window of them in flight, and their outcomes handed back in
 * the caller's thread, where the codecs run.
 */
package dev.stockade.internal.bulk;
