package dev.stockade.internal.workers;

import dev.stockade.internal.engine.LiveTree;
import dev.stockade.internal.engine.SupervisedTree;

/**
 * A persistent worker: its supervised tree, its protocol connection, its stderr, what the pool
 * knows of its life, and what the moment its end was claimed knew.
 */
final class PooledWorker extends LiveTree {
  final WorkerConnection connection;
  final StderrLines stderr;
  final WorkerLife life;

  /** Its recent CPU use, to tell a silent worker that is busy from one that is hung. */
  final SilenceJudge.Track silenceTrack = new SilenceJudge.Track();

  private final long memoryLimitBytes;

  /** When its end was claimed, and the task it was running then (null if idle). */
  volatile long endClaimedNanos;

  volatile Attempt runningWhenEndClaimed;

  /** How long it had been silent when its end was claimed. */
  volatile long silenceNanos;

  PooledWorker(
      SupervisedTree tree,
      WorkerConnection connection,
      StderrLines stderr,
      WorkerLife life,
      long memoryLimitBytes) {
    super(tree);
    this.connection = connection;
    this.stderr = stderr;
    this.life = life;
    this.memoryLimitBytes = memoryLimitBytes;
  }

  String id() {
    return tree.workerId();
  }

  @Override
  protected long memoryLimitBytes() {
    return memoryLimitBytes;
  }
}
