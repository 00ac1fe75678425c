package dev.stockade.testing;

import dev.stockade.BusyWorkerEvent;
import dev.stockade.EndReason;
import dev.stockade.PoolListener;
import dev.stockade.WorkerEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records worker starts and ends, and busy-without-heartbeat events, for tests that count them. */
public final class RecordingListener implements PoolListener {
  public final List<WorkerEvent> started = new CopyOnWriteArrayList<>();
  public final List<WorkerEvent> ended = new CopyOnWriteArrayList<>();

  /** {@link System#nanoTime()} of each start and end, in the same order. */
  public final List<Long> startedNanos = new CopyOnWriteArrayList<>();

  public final List<Long> endedNanos = new CopyOnWriteArrayList<>();
  public final List<BusyWorkerEvent> busy = new CopyOnWriteArrayList<>();

  @Override
  public void workerStarted(WorkerEvent event) {
    startedNanos.add(System.nanoTime());
    started.add(event);
  }

  @Override
  public void workerEnded(WorkerEvent event) {
    endedNanos.add(System.nanoTime());
    ended.add(event);
  }

  @Override
  public void workerBusyWithoutHeartbeat(BusyWorkerEvent event) {
    busy.add(event);
  }

  /** The reasons workers ended for, in order. */
  public List<EndReason> endReasons() {
    return ended.stream().map(e -> e.endReason().orElseThrow()).toList();
  }
}
