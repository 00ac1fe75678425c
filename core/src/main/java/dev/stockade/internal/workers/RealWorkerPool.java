package dev.stockade.internal.workers;

import dev.stockade.BreakerState;
import dev.stockade.EndReason;
import dev.stockade.ExitStatus;
import dev.stockade.HealthProblem;
import dev.stockade.TaskOptions;
import dev.stockade.WorkerDetails;
import dev.stockade.WorkerEvent;
import dev.stockade.internal.engine.Admitted;
import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.PoolEngine;
import dev.stockade.internal.engine.TaskFuture;
import dev.stockade.internal.engine.TreeEnding;
import dev.stockade.internal.os.TempDirectories;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.Payloads;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code WorkerPool}, on the shared {@link PoolEngine}, in parts with one job
 * each: the {@link WorkerStarter} starts workers ({@link StartHealth}: backoff, breaker, health),
 * the {@link Dispatcher} hands queued tasks to them, the {@link Conversation} speaks the protocol
 * with each, the {@link HealthJudge} decides on every tick whether a worker is kept, pinged,
 * retired or ended, and {@link Settlement} settles the tasks of a worker that ended (failure,
 * retry, requeue). This class joins them: admission, cancellation, the tick, and the end of a
 * worker — claimed once (by the engine's one {@code end}), torn down, then settled.
 */
public final class RealWorkerPool extends PoolEngine<WorkerTask, PooledWorker> {
  // The parts are package-private final fields, as the engine's are public ones: each part
  // reaches the others through the pool, and none is ever replaced.
  private static final Logger log = LoggerFactory.getLogger(RealWorkerPool.class);

  final WorkerPoolSettings settings;
  final Map<String, String> workerEnvironment;
  private final AtomicLong pingNonces = new AtomicLong();
  private final AtomicLong taskIds = new AtomicLong();
  final SilenceJudge silenceJudge;
  final HealthJudge judge;
  final HealthProbe healthProbe;
  final WorkerStarter starter;
  final Dispatcher dispatcher;
  final Conversation conversation;
  final Settlement settlement;

  private RealWorkerPool(WorkerPoolSettings settings) {
    super(settings.common(), "WorkerPool");
    this.settings = settings;
    Map<String, String> env = new HashMap<>(settings.launch().environment());
    env.put("STOCKADE_PROTOCOL", String.valueOf(Payloads.PROTOCOL_VERSION));
    env.put(
        "STOCKADE_HEARTBEAT_MS",
        String.valueOf(settings.liveness().heartbeatInterval().toMillis()));
    env.put("STOCKADE_MAX_FRAME_SIZE", String.valueOf(settings.maxFrameSize()));
    // A worker that polls for its next request, as the caller does for its answer, keeps both
    // sides of a run of round trips on their processors. The runtime also stays still where it
    // may use one CPU only (taskset, a cpuset), which the JVM may not know of.
    env.put(
        "STOCKADE_IDLE_SPIN_US",
        String.valueOf(
            Runtime.getRuntime().availableProcessors() > 1
                ? TimeUnit.NANOSECONDS.toMicros(settings.waitSpin().toNanos())
                : 0));
    this.workerEnvironment = Map.copyOf(env);
    this.silenceJudge =
        new SilenceJudge(settings.name(), settings.liveness().heartbeatTimeout(), events);
    this.judge = new HealthJudge(settings, pingNonces::incrementAndGet);
    this.healthProbe = new HealthProbe(this);
    this.settlement = new Settlement(this);
    this.dispatcher = new Dispatcher(this);
    this.conversation = new Conversation(this);
    this.starter = new WorkerStarter(this);
  }

  /**
   * A pool, whole, with its threads started and its first workers on their way. If this throws,
   * nothing was started (the builder removes the runtime directory it wrote).
   */
  public static RealWorkerPool start(WorkerPoolSettings settings) {
    RealWorkerPool pool = new RealWorkerPool(settings);
    pool.startThreads(
        "minIdle="
            + settings.minIdle()
            + ", worker="
            + settings.launch().label()
            + ", soft memory limit "
            + settings.recycling().softMemoryLimit()
            + ", heartbeat "
            + settings.liveness().heartbeatInterval().toMillis()
            + "/"
            + settings.liveness().heartbeatTimeout().toMillis()
            + " ms");
    pool.starter.maybeStartWorkers();
    return pool;
  }

  /**
   * False while the breaker is not closed, and while the last start failed and no worker serves:
   * then nothing the pool holds can run.
   */
  public boolean isHealthy() {
    return starter.health().isHealthy();
  }

  @Override
  protected void addOwnProblemsLocked(Map<HealthProblem, String> problems) {
    starter.health().addProblemsLocked(problems);
  }

  @Override
  protected Optional<BreakerState> breakerState() {
    return Optional.of(starter.health().breakerState());
  }

  // ---------------------------------------------------------------- admission

  public CompletableFuture<Object> submit(
      byte[] payload, TaskOptions options, WorkerTask.Decoder decoder) {
    return admitAndRun(payload, options, decoder, null, 1);
  }

  /**
   * Submits a batch: {@code payload} is a BATCH payload of {@code inputs} inputs, whose outcomes go
   * to {@code sink} as the worker reports them; its future completes (with null) once all are in,
   * or fails with the reason the rest have none. Admission as for {@link #submit}.
   */
  public TaskFuture<Object> submitBatch(
      byte[] payload, int inputs, TaskOptions options, BatchSink sink) {
    return admitAndRun(payload, options, null, sink, inputs);
  }

  /** The largest payload a task may have: the pool's {@code maxFrameSize}. */
  public int maxFrameSize() {
    return settings.maxFrameSize();
  }

  private TaskFuture<Object> admitAndRun(
      byte[] payload, TaskOptions options, WorkerTask.Decoder decoder, BatchSink sink, int inputs) {
    checkFrameSize(payload, options);
    WorkerTask task =
        new WorkerTask(
            payload,
            options,
            common.deadlineOf("task", options.label(), options.timeout()),
            decoder,
            sink,
            inputs,
            settlement.retryContext(options),
            tally,
            this::cancelled,
            callbacks,
            settings.waitSpin().toNanos());
    if (admit(task) != Admitted.REFUSED) {
      dispatcher.pumpQueue();
      starter.maybeStartWorkers();
    }
    return task.future();
  }

  private void checkFrameSize(byte[] payload, TaskOptions options) {
    if (payload.length > settings.maxFrameSize()) {
      throw new IllegalArgumentException(
          "task '"
              + options.label()
              + "' payload must be <= "
              + "maxFrameSize ("
              + settings.maxFrameSize()
              + " bytes), but was "
              + payload.length
              + " bytes");
    }
  }

  @Override
  protected RuntimeException refusalLocked(WorkerTask task) {
    return starter.health().refusalLocked(task);
  }

  /**
   * Room: a worker that is not busy (idle, starting, or not started yet) takes a task from the
   * queue soon, so only tasks beyond those wait in the queue proper.
   */
  @Override
  protected int queueRoomLocked() {
    return common.queueCapacity() + dispatcher.freeSlotsLocked();
  }

  @Override
  protected String countsLocked() {
    return "pool '"
        + name()
        + "': workers="
        + aliveLocked()
        + "/"
        + common.workers()
        + ", busy="
        + dispatcher.busyLocked()
        + ", waiting="
        + queue.size()
        + " (room: queueCapacity "
        + common.queueCapacity()
        + " + "
        + dispatcher.freeSlotsLocked()
        + " free worker slots), closed="
        + closedLocked();
  }

  @Override
  protected int aliveLocked() {
    return live.size() + starter.pendingStartsLocked();
  }

  /**
   * The caller cancelled the task's future. A queued task (or one waiting to be retried) is dropped
   * and its end reported now; a running one's end is reported when its work has stopped — its
   * answer read, or its worker ended — so the listener's end means nothing of it still runs.
   */
  private void cancelled(WorkerTask task, boolean mayInterruptIfRunning) {
    if (dropIfWaiting(task) || !mayInterruptIfRunning) {
      return; // cancel(false) lets it finish; its answer reports its end
    }
    conversation.cancel(task);
  }

  // ---------------------------------------------------------------- supervision

  /** Beyond the limits every tree is held to: its start, its silence, and the judge. */
  @Override
  protected void check(PooledWorker w, long now) {
    if (!w.life.saidHello()) {
      if (now - w.life.startNanos > settings.liveness().startTimeout().toNanos()) {
        end(w, EndReason.START_TIMEOUT);
      }
      return;
    }
    if (silenceJudge.isHung(w, now)) {
      end(w, EndReason.HEARTBEAT_TIMEOUT);
      return;
    }
    HealthJudge.Verdict verdict;
    lock.lock();
    try {
      verdict = judge.tick(w.life, w.lastReading().bytes(), dispatcher.notEndingLocked(), now);
    } finally {
      lock.unlock();
    }
    if (verdict.round() == HealthJudge.Round.FAILED) {
      healthProbe.roundFailed(w);
    }
    switch (verdict.action()) {
      case END -> end(w, verdict.endReason());
      case RETIRE -> dispatcher.dispatch(w); // an idle worker due to retire retires there
      case PING -> {
        if (w.connection.send(Frame.of(FrameType.PING, verdict.pingNonce())) && verdict.probe()) {
          healthProbe.run(w);
        } // a worker whose pipe is gone is ended by its exit
      }
      case KEEP -> {}
    }
  }

  @Override
  protected void afterTick() {
    starter.maybeStartWorkers();
  }

  // ---------------------------------------------------------------- ending

  @Override
  protected void endClaimedLocked(PooledWorker worker) {
    long now = System.nanoTime();
    worker.life.endClaimed();
    worker.endClaimedNanos = now;
    worker.runningWhenEndClaimed = worker.life.current();
    worker.silenceNanos = now - worker.connection.lastSignOfLifeNanos;
  }

  /** Runs on an I/O thread: ends the tree, settles its tasks, replaces it if wanted. */
  @Override
  protected void finish(PooledWorker worker, EndReason reason) {
    Attempt running = worker.runningWhenEndClaimed;
    try (LogContext ignored =
        LogContext.tree(name(), worker.id(), running == null ? null : running.task)) {
      endAndSettle(worker, reason);
    }
  }

  private void endAndSettle(PooledWorker worker, EndReason reason) {
    boolean idle;
    lock.lock();
    try {
      idle = worker.life.isIdle();
    } finally {
      lock.unlock();
    }
    boolean saidHello = worker.life.saidHello();
    if (saidHello && idle && isRoutine(reason)) {
      worker.connection.sendShutdown();
      try {
        // Its exit, or a violation (output after SHUTDOWN), whichever comes first.
        CompletableFuture.anyOf(worker.tree.process().exit(), worker.connection.violated)
            .get(common.terminationGrace().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // it did not exit in time: the teardown below ends it
      }
    }
    // A worker that never said HELLO never took a task: nothing is lost by ending it at once,
    // and the tasks waiting for it learn of the failed start sooner.
    TreeEnding ending =
        tearDown(
            worker,
            reason,
            saidHello,
            "worker " + worker.id(),
            CompletableFuture.allOf(worker.connection.repliesEnded, worker.stderr.drained()),
            worker.connection::closeRequests);
    boolean allRepliesRead = ending.outputReadToEnd() && worker.connection.repliesReadToEnd();
    List<Attempt> held;
    StartFailure startFailure;
    lock.lock();
    try {
      held = new ArrayList<>(worker.life.inFlight);
      worker.life.inFlight.clear();
      worker.life.unsent.clear();
      startFailure = starter.health().workerEndedLocked(worker, reason, ending.exit());
    } finally {
      lock.unlock();
    }
    ExitStatus exit = reason == EndReason.EXITED ? ending.exit() : null;
    WorkerDetails details =
        worker.tree.details(exit, worker.stderr.lastLines(STDERR_LINES_IN_MESSAGES));
    // A violation while it was being retired (output after SHUTDOWN) is what it is reported
    // for: the worker broke the protocol, whatever else was ending it.
    String violation = worker.connection.violation();
    EndReason reported = violation != null ? EndReason.PROTOCOL_VIOLATION : reason;
    if (!isRoutine(reported)) {
      log.warn(
          "[{}] worker {} ended: {} [{}]",
          name(),
          worker.id(),
          reported == EndReason.PROTOCOL_VIOLATION ? "protocol violation: " + violation : reported,
          details);
    }
    // Counted before the tasks it held are settled: a caller who saw its task fail for the
    // worker's end sees that end counted.
    tally.workerEnded(reported);
    // Each task's failure shows the lines that task wrote, not the worker's earlier tasks'.
    settlement.workerEnded(
        worker,
        reason,
        reported,
        a -> worker.tree.details(exit, worker.stderr.linesOf(a.task, STDERR_LINES_IN_MESSAGES)),
        held,
        allRepliesRead);
    events.fire(
        l ->
            l.workerEnded(
                new WorkerEvent(
                    name(),
                    worker.id(),
                    settings.launch().label(),
                    worker.tree.process().pid(),
                    worker.tree.tempDirectory(),
                    Optional.of(reported),
                    Optional.of(details))));
    // Last: the slot is held until here, and close() returns once every slot is free, by
    // when every future is complete and every event delivered.
    lock.lock();
    try {
      live.remove(worker);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (startFailure != null) {
      starter.health().afterFailedStart();
    } else {
      starter.maybeStartWorkers();
    }
    stopThreadsIfDone();
  }

  /** Endings the pool chose for a healthy worker: it may exit by itself, and is not warned of. */
  private static boolean isRoutine(EndReason reason) {
    return reason == EndReason.POOL_CLOSED
        || reason == EndReason.RECYCLED
        || reason == EndReason.IDLE_TIMEOUT;
  }

  // ---------------------------------------------------------------- close

  @Override
  protected List<WorkerTask> takeHeldBackLocked() {
    return settlement.takeAwaitingRetryLocked();
  }

  @Override
  protected boolean dropHeldBackLocked(WorkerTask task) {
    return settlement.dropAwaitingRetryLocked(task);
  }

  /** Once intake stops, idle workers retire; busy ones retire as they go idle (dispatch). */
  @Override
  protected void onShutdown() {
    live.forEach(dispatcher::dispatch);
  }

  /** The directory first: a caller of awaitTermination finds nothing left once threads stop. */
  @Override
  protected void beforeThreadsStop() {
    if (settings.launch().runtimeDirectory() != null) {
      TempDirectories.delete(settings.launch().runtimeDirectory());
    }
  }

  // ---------------------------------------------------------------- for the parts

  long nextTaskId() {
    return taskIds.incrementAndGet();
  }

  long nextPingNonce() {
    return pingNonces.incrementAndGet();
  }
}
