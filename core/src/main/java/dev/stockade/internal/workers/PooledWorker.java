package dev.stockade.internal.workers;

import dev.stockade.internal.engine.LiveTree;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.SupervisedTree;
import java.time.Duration;

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

  /** Silence after which its tree is sampled at every tick: half its heartbeat timeout. */
  private final long closeWatchAfterNanos;

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
      long memoryLimitBytes,
      Duration heartbeatTimeout) {
    super(tree);
    this.connection = connection;
    this.stderr = stderr;
    this.life = life;
    this.memoryLimitBytes = memoryLimitBytes;
    this.closeWatchAfterNanos = heartbeatTimeout.toNanos() / 2;
  }

  String id() {
    return tree.workerId();
  }

  /** The context of a log line about it: its pool, itself, and the task it runs, if any. */
  LogContext logContext() {
    return LogContext.tree(tree.poolName(), id(), stderr.running());
  }

  /**
   * Until its HELLO, and once it has been silent for half its heartbeat timeout: its CPU use then
   * decides whether it is busy or hung ({@link SilenceJudge}), and must be fresh.
   */
  @Override
  protected boolean needsEverySample(long nowNanos) {
    return !life.saidHello() || nowNanos - connection.lastSignOfLifeNanos > closeWatchAfterNanos;
  }

  @Override
  protected long memoryLimitBytes() {
    return memoryLimitBytes;
  }
}
