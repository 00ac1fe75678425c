package dev.stockade.internal.workers;

import dev.stockade.BusyWorkerEvent;
import dev.stockade.internal.engine.Events;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.SupervisedTree;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a silent worker that is busy from one that is hung. A runtime sends its heartbeats from a
 * thread of its own, and some work keeps that thread from running: a Python C call that holds the
 * GIL ({@code sum(range(10**9))}, a large sort, many numpy and pandas operations), a Node handler
 * that never yields, a JVM in a long stop-the-world collection. Silence alone therefore does not
 * prove a worker hung; silence while its processes use no CPU does.
 *
 * <p>The rule, judged afresh at every housekeeper tick for a worker that has said HELLO: a worker
 * that has sent nothing for longer than {@code heartbeatTimeout} is <b>hung</b> — ended with {@code
 * HEARTBEAT_TIMEOUT}, as before — if its root process is stopped (state T or t: it can send nothing
 * whatever its children do), or if its tree used less than one twentieth of one CPU over the last
 * {@code heartbeatTimeout}. Otherwise it is <b>busy</b>: it is left running, bounded by {@code
 * taskTimeout} and {@code progressTimeout} (and, with no task, by its failing health-check rounds),
 * its snapshot says so, and the listener hears of it once; and once more when it is heard from
 * again. A worker that computed, then blocked, is ended one {@code heartbeatTimeout} after its CPU
 * use stopped.
 *
 * <p>A twentieth of a CPU is far above what a blocked runtime uses (a Python process waiting for
 * the GIL, an idle JVM: 0.2–0.3 % of one CPU measured here) and far below what a computing one gets
 * unless more than twenty runnable processes share each core.
 *
 * <p>Used by the housekeeper thread only.
 */
final class SilenceJudge {
  private static final Logger log = LoggerFactory.getLogger(SilenceJudge.class);

  /** A tree that used less than 1/20 of one CPU over the window is not making progress. */
  static final int CPU_SHARE_DIVISOR = 20;

  /** Readings kept per window, at most (plus one before it); finer ones are skipped. */
  private static final int READINGS_PER_WINDOW = 16;

  private final String poolName;
  private final long timeoutNanos;
  private final Events events;

  SilenceJudge(String poolName, Duration heartbeatTimeout, Events events) {
    this.poolName = poolName;
    this.timeoutNanos = heartbeatTimeout.toNanos();
    this.events = events;
  }

  /**
   * Judges {@code w} at {@code now}, after its tree was sampled in this tick: true if it is hung
   * and must be ended.
   */
  boolean isHung(PooledWorker w, long now) {
    Track track = w.silenceTrack;
    SupervisedTree tree = w.tree;
    track.record(now, tree.cpuUsedNanos(), timeoutNanos);
    long silence = now - w.connection.lastSignOfLifeNanos;
    if (silence <= timeoutNanos) {
      if (track.busy) {
        heardAgain(w, track);
      }
      return false;
    }
    if (tree.rootStopped()
        || track.cpuOverWindow() * CPU_SHARE_DIVISOR < track.windowSpan()
        || track.windowSpan() == 0) {
      track.busy = false;
      tree.markBusyWithoutHeartbeat(false);
      return true;
    }
    if (!track.busy) {
      turnedBusy(w, track, silence);
    }
    return false;
  }

  private void turnedBusy(PooledWorker w, Track track, long silence) {
    track.busy = true;
    track.silenceStartNanos = w.connection.lastSignOfLifeNanos;
    track.cpuAtSilenceStart = track.baselineCpu();
    w.tree.markBusyWithoutHeartbeat(true);
    long cpu = track.cpuOverWindow();
    try (LogContext ignored = w.logContext()) {
      log.info(
          "[{}] worker {} (pid {}) has sent nothing for {} ms, but its tree used {} ms of CPU"
              + " in the last {} ms: busy, not hung; it is left to its task's timeouts",
          poolName,
          w.id(),
          w.tree.process().pid(),
          millis(silence),
          millis(cpu),
          millis(track.windowSpan()));
    }
    events.fire(l -> l.workerBusyWithoutHeartbeat(event(w, silence, cpu, false)));
  }

  private void heardAgain(PooledWorker w, Track track) {
    track.busy = false;
    w.tree.markBusyWithoutHeartbeat(false);
    long silence = w.connection.lastSignOfLifeNanos - track.silenceStartNanos;
    long cpu = track.latestCpu - track.cpuAtSilenceStart;
    try (LogContext ignored = w.logContext()) {
      log.debug(
          "[{}] worker {} (pid {}) is heard from again after {} ms of silence and {} ms of CPU",
          poolName,
          w.id(),
          w.tree.process().pid(),
          millis(silence),
          millis(cpu));
    }
    events.fire(l -> l.workerBusyWithoutHeartbeat(event(w, silence, cpu, true)));
  }

  private BusyWorkerEvent event(PooledWorker w, long silence, long cpu, boolean heardAgain) {
    return new BusyWorkerEvent(
        poolName,
        w.id(),
        w.tree.label(),
        w.tree.process().pid(),
        Duration.ofNanos(silence),
        Duration.ofNanos(cpu),
        heardAgain);
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * One worker's recent CPU readings, enough to tell what its tree used over the last window: at
   * most {@value #READINGS_PER_WINDOW} per window, and the newest one taken at or before the
   * window's start, as its baseline.
   */
  static final class Track {
    private final ArrayDeque<long[]> readings = new ArrayDeque<>();
    private long latestNanos;
    private long latestCpu;
    private boolean busy;
    private long silenceStartNanos;
    private long cpuAtSilenceStart;

    void record(long now, long cpuNanos, long windowNanos) {
      latestNanos = now;
      latestCpu = cpuNanos;
      long[] last = readings.peekLast();
      if (last == null || now - last[0] >= windowNanos / READINGS_PER_WINDOW) {
        readings.addLast(new long[] {now, cpuNanos});
      }
      while (readings.size() >= 2) {
        Iterator<long[]> oldestFirst = readings.iterator();
        oldestFirst.next();
        if (oldestFirst.next()[0] > now - windowNanos) {
          break;
        }
        readings.removeFirst();
      }
    }

    /** Wall time from the baseline to the latest reading. */
    long windowSpan() {
      return latestNanos - readings.peekFirst()[0];
    }

    /** CPU time used from the baseline to the latest reading. */
    long cpuOverWindow() {
      return latestCpu - readings.peekFirst()[1];
    }

    long baselineCpu() {
      return readings.peekFirst()[1];
    }
  }
}
