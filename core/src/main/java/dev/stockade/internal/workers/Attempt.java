package dev.stockade.internal.workers;

/** One run of a task on one worker: the id it was sent under and its clocks. */
final class Attempt {
  final long id;
  final WorkerTask task;
  final long startNanos = System.nanoTime();
  volatile long lastProgressNanos = startNanos;
  /** When a cancelled task must have answered, or 0 while not cancelled. */
  volatile long cancelDeadlineNanos;

  Attempt(long id, WorkerTask task) {
    this.id = id;
    this.task = task;
  }

  long ranNanos() {
    return System.nanoTime() - startNanos;
  }
}
