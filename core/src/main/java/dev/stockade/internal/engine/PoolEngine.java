package dev.stockade.internal.engine;

import dev.stockade.BreakerState;
import dev.stockade.EndReason;
import dev.stockade.HealthProblem;
import dev.stockade.LifelineStatus;
import dev.stockade.MemoryBudget;
import dev.stockade.PoolClosedException;
import dev.stockade.PoolHealth;
import dev.stockade.PoolSnapshot;
import dev.stockade.PoolStatistics;
import dev.stockade.WorkerSnapshot;
import dev.stockade.internal.cgroup.CgroupContainmentStrategy;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import dev.stockade.internal.lifeline.LeftoverSweep;
import dev.stockade.internal.lifeline.Lifeline;
import dev.stockade.internal.lifeline.LifelineCgroups;
import dev.stockade.internal.os.ContainmentStrategy;
import dev.stockade.internal.os.ProcessLauncher;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.Tags;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both pools' engines do, once: the parts every pool is made of (containment, launcher,
 * events, memory admission, drain, threads), admission into a bounded queue (blocking up to a
 * deadline, refusing with a reason), the registry of live trees checked against their limits on
 * every tick, the one method by which every tree's end is claimed, each task's one reported end,
 * the snapshot, and close. A subclass adds only what is its own: how a task starts and what a
 * tree's end means for its tasks.
 *
 * <p>Construction is safe: the constructor starts nothing. The subclass's factory calls {@link
 * #startThreads()} once the engine is whole, so no thread, hook or callback sees a half-built pool,
 * and a constructor that throws leaves nothing running.
 *
 * <p>Its parts are public final fields, for the subclass and the classes it is made of. One lock
 * ({@link #lock}) guards the queue, whether the pool is closed, and the subclass's own state;
 * {@link #changed} is signalled whenever room, the queue or the live trees change.
 *
 * @param <T> the pool's tasks
 * @param <L> the pool's live trees
 */
public abstract class PoolEngine<T extends PoolTask<?>, L extends LiveTree> {
  /** How many lines of a tree's stderr a failure quotes. */
  public static final int STDERR_LINES_IN_MESSAGES = 10;

  /** The ends the pool decides on a tree's own behaviour, whose failures list its processes. */
  private static final Set<EndReason> POST_MORTEM_REASONS =
      EnumSet.of(
          EndReason.MEMORY_LIMIT,
          EndReason.PROCESS_LIMIT,
          EndReason.TIMEOUT,
          EndReason.HEARTBEAT_TIMEOUT,
          EndReason.PROGRESS_TIMEOUT);

  /** How long close() waits for a listener to take the events of the pool's last moments. */
  private static final Duration EVENT_DELIVERY_BOUND = Duration.ofSeconds(5);

  private final Logger log = LoggerFactory.getLogger(getClass());
  public final PoolSettings common;
  public final String poolId;
  private final TagIndex tags = new TagIndex();
  public final ContainmentStrategy containment;
  public final ProcessLauncher launcher;
  public final CallbackExecutor callbacks;
  public final Events events;

  /** The pool's running totals, and the numbers its tasks take. */
  public final PoolTally tally = new PoolTally();

  public final MemoryAdmission admission;
  public final Drain drain;
  public final ReentrantLock lock = new ReentrantLock();

  /** Signalled whenever room, the queue or the live trees change. */
  public final Condition changed = lock.newCondition();

  /** Accepted tasks waiting for a tree, oldest first; guarded by {@link #lock}. */
  public final ArrayDeque<T> queue = new ArrayDeque<>();

  /**
   * Every tree that is alive or being ended, in the order they started. Read on every submission
   * (several walks under the lock) and every tick, changed only when a tree starts or ends: a
   * copy-on-write array walks without allocating or visiting a hash table's empty bins.
   */
  public final Set<L> live = new CopyOnWriteArraySet<>();

  private boolean closed;
  private volatile boolean closedWithoutWaiting;
  private volatile PoolThreads threads;
  private final QueueAdmission<T> queueAdmission = new QueueAdmission<>(this);

  /**
   * Builds every part that can fail, and starts nothing.
   *
   * @param kind the pool's public name, for the message of a platform without {@code /proc}
   */
  protected PoolEngine(PoolSettings common, String kind) {
    if (!ProcessTable.isAvailable()) {
      throw new UnsupportedOperationException(
          kind + " needs /proc (Linux); this platform has none");
    }
    this.common = common;
    this.poolId = Tags.newPoolId(common.name());
    CgroupSelection cgroups = CgroupProbe.select(common.cgroupMode());
    // Before any tree of this pool starts: what a killed run of this name left is ended first,
    // so the new trees do not compete with it for memory.
    LeftoverSweep.sweep(common.name(), cgroups.base());
    this.containment =
        CgroupContainmentStrategy.of(cgroups, poolId, tags, new LifelineCgroups(Lifeline.get()));
    this.launcher = ProcessLauncher.detect();
    this.callbacks =
        CallbackExecutor.forPool(common.name(), common.callbackExecutor(), common.workers());
    this.events = new Events(common.name(), common.listener().orElse(null), callbacks);
    this.admission = MemoryAdmission.forPool(common, events);
    this.drain = new Drain(common.name(), lock, this::close, this::onShutdown);
  }

  /**
   * Starts the pool's threads (the housekeeper's first tick included) and its shutdown hook, and
   * logs the start with {@code ownSettings}, what only its kind of pool has. Called once, by the
   * subclass's factory, when the engine is whole.
   */
  protected final void startThreads(String ownSettings) {
    threads =
        new PoolThreads(
            common.name(),
            common.sampleInterval(),
            tags,
            this::lowestPidFloor,
            this::onTick,
            common.shutdownHook() ? () -> close(Drain.SHUTDOWN_HOOK_DRAIN) : null,
            callbacks);
    new HealthWatch(name(), this::health, events).start(timer(), common.sampleInterval());
    MemoryBudget budget = admission.budget();
    log.info(
        "[{}] started: workers={}, {}, containment={}, launcher={}, memoryLimit={}, memory of"
            + " this JVM: {} limit, {} available ({})",
        name(),
        common.workers(),
        ownSettings,
        containment.name(),
        launcher.name(),
        common.memoryLimit(),
        budget.limit(),
        budget.available(),
        budget.source());
  }

  public final String name() {
    return common.name();
  }

  public final PoolThreads threads() {
    return threads;
  }

  /** Starts every process of the pool, one at a time. */
  public final Spawner spawner() {
    return threads.spawner();
  }

  /** Where pipes are read, exits waited for and trees torn down. */
  public final ExecutorService io() {
    return threads.io();
  }

  /** Delayed work: retries, rechecks. */
  public final ScheduledExecutorService timer() {
    return threads.timer();
  }

  // ---------------------------------------------------------------- admission

  /**
   * Accepts {@code task} into a slot or the queue, or refuses it saying why ({@link
   * QueueAdmission}).
   */
  protected final Admitted admit(T task) {
    return queueAdmission.admit(task);
  }

  /** Why the pool refuses {@code task} though it is open, or null; under the lock. */
  protected RuntimeException refusalLocked(T task) {
    return null;
  }

  /** Takes a slot for a task to start in at once, if the pool has one; under the lock. */
  protected boolean takeSlotLocked() {
    return false;
  }

  /** How many tasks the queue may hold now; under the lock. */
  protected abstract int queueRoomLocked();

  /** The pool's counts, for a refusal's message; under the lock. */
  protected abstract String countsLocked();

  /**
   * Takes a cancelled task out of the queue (or wherever else the pool keeps waiting tasks); if it
   * was there, reports its end and returns true.
   */
  public final boolean dropIfWaiting(T task) {
    boolean dropped;
    lock.lock();
    try {
      // Both places are cleared, whatever the first one held.
      boolean wasQueued = queue.remove(task);
      boolean wasHeldBack = dropHeldBackLocked(task);
      dropped = wasQueued || wasHeldBack;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (dropped) {
      ended(task, null, Duration.ZERO);
    }
    return dropped;
  }

  /** Fails {@code task} with {@code why} (unless it was settled already) and reports its end. */
  public final void refuse(T task, Throwable why) {
    task.future().completeExceptionally(why);
    ended(task, null, Duration.ZERO);
  }

  /**
   * Reports the task's one end, as its future ended: a cancelled task's end is reported here too,
   * once nothing of it runs. Called once the task has left every queue and tree.
   */
  public final void ended(T task, String workerId, Duration ran) {
    if (task.markEnded()) {
      events.taskEnded(task, workerId, ran);
    }
    drain.ended(task);
  }

  // ---------------------------------------------------------------- supervision

  private long lowestPidFloor() {
    long floor = Long.MAX_VALUE;
    for (L l : live) {
      floor = Math.min(floor, l.tree.pidFloor());
    }
    return floor;
  }

  /**
   * Housekeeper tick: one table; every live tree that is not ending and is due for a sample ({@link
   * LiveTree#isDueForSample}) is checked against its limits, then every one against what only its
   * pool knows ({@link #check}).
   */
  private void onTick(ProcessTable table) {
    long now = System.nanoTime();
    for (L l : live) {
      if (l.isEnding()) {
        continue;
      }
      Optional<EndReason> crossed =
          l.isDueForSample(now) ? l.limitCrossed(table, common.maxProcesses()) : Optional.empty();
      if (crossed.isPresent()) {
        end(l, crossed.get());
      } else {
        check(l, now);
      }
    }
    afterTick();
  }

  /** What only this pool checks of a tree within its limits, on each tick. */
  protected abstract void check(L l, long nowNanos);

  /** Runs after each tick's checks. */
  protected void afterTick() {}

  /**
   * Claims the end of {@code l}'s tree for {@code given} (or for the limit the kernel enforced, if
   * it exited of that); the first claim wins. The winner's {@link #finish} runs on an I/O thread.
   * This is the one way any tree ends.
   *
   * @return false if another cause claimed the end first
   */
  public final boolean end(L l, EndReason given) {
    EndReason reason = l.explain(given);
    lock.lock();
    try {
      if (!l.tree.lifecycle().stop(reason)) {
        return false;
      }
      endClaimedLocked(l);
    } finally {
      lock.unlock();
    }
    if (reason == EndReason.EXITED && PoolThreads.isIoThread()) {
      finish(l, reason); // already on the exit waiter, a pool I/O thread: no hand-off
    } else {
      io().execute(() -> finish(l, reason));
    }
    return true;
  }

  /** Records what the moment of the claim knew; under the lock. */
  protected void endClaimedLocked(L l) {}

  /** Ends the claimed tree, then settles what it ran; on an I/O thread. */
  protected abstract void finish(L l, EndReason reason);

  /**
   * Ends {@code l}'s tree (see {@link TreeEnding}) with the grace {@code reason} allows, and
   * records the breach that ended it.
   */
  protected final TreeEnding tearDown(
      L l,
      EndReason reason,
      boolean graceAllowed,
      String what,
      CompletableFuture<?> outputRead,
      Runnable afterKill) {
    if (POST_MORTEM_REASONS.contains(reason)) {
      // Before the kill: the processes as they are when the pool decided, for the failure too.
      l.tree
          .takePostMortem(reason)
          .ifPresent(
              listing ->
                  log.warn(
                      "[{}] ending {} for {}: its processes, largest first:\n{}",
                      name(),
                      what,
                      reason,
                      listing.stripTrailing()));
    }
    Duration grace =
        graceAllowed ? TreeEnding.graceFor(reason, common.terminationGrace()) : Duration.ZERO;
    TreeEnding ending = TreeEnding.of(common.name(), what, l.tree, grace, outputRead, afterKill);
    l.recordBreach();
    return ending;
  }

  // ---------------------------------------------------------------- observation and close

  /** Whether close() has begun; under {@link #lock}. */
  public final boolean closedLocked() {
    return closed;
  }

  public final boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** How many trees the pool counts as alive (or starting); under the lock. */
  protected abstract int aliveLocked();

  /** Counts a tree that started, and tells the listener. */
  public final void treeStarted(SupervisedTree tree) {
    tally.workerStarted();
    events.workerStarted(tree);
  }

  /** The pool's running totals now. */
  public final PoolStatistics statistics() {
    return tally.read(common.name(), breakerState());
  }

  /**
   * The pool's health now: what the engine sees (closed, saturated, memory pressure, the lifeline)
   * and what only its kind of pool knows ({@link #addOwnProblemsLocked}).
   */
  public final PoolHealth health() {
    Map<HealthProblem, String> problems = new EnumMap<>(HealthProblem.class);
    // Read before the pool's lock: the lifeline's monitor may be held through a watchdog's start.
    if (Lifeline.get().isAbsent()) {
      problems.put(
          HealthProblem.NO_LIFELINE, "the lifeline is " + Lifeline.get().status().description());
    }
    if (admission.isUnderPressure()) {
      MemoryBudget budget = admission.budget();
      problems.put(
          HealthProblem.MEMORY_PRESSURE,
          budget.available()
              + " of memory available, below minFreeMemory "
              + admission.minFree()
              + " ("
              + budget.source()
              + "); new trees are held back ("
              + admission.policy()
              + ")");
    }
    lock.lock();
    try {
      if (closed) {
        problems.put(HealthProblem.CLOSED, "closed");
      } else if (drain.isShutdown()) {
        problems.put(HealthProblem.CLOSED, "shut down: no new tasks; accepted ones still run");
      } else if (!slotFreeLocked() && queue.size() >= queueRoomLocked()) {
        problems.put(
            HealthProblem.SATURATED,
            "every worker is busy and the queue is full (" + countsLocked() + ")");
      }
      addOwnProblemsLocked(problems);
    } finally {
      lock.unlock();
    }
    return new PoolHealth(common.name(), problems);
  }

  /** Whether a task submitted now would start at once, with no queue; under the lock. */
  protected boolean slotFreeLocked() {
    return false;
  }

  /** Adds the problems only this kind of pool knows of; under the lock. */
  protected void addOwnProblemsLocked(Map<HealthProblem, String> problems) {}

  /** The state of the pool's circuit breaker over starts; empty if it has none. */
  protected Optional<BreakerState> breakerState() {
    return Optional.empty();
  }

  public final PoolSnapshot snapshot() {
    List<WorkerSnapshot> trees = new ArrayList<>();
    for (L l : live) {
      trees.add(l.tree.snapshot());
    }
    // Read before the pool's lock: the lifeline's monitor may be held through a watchdog's start.
    LifelineStatus lifeline = Lifeline.get().status();
    MemoryBudget budget = admission.budget();
    lock.lock();
    try {
      return new PoolSnapshot(
          common.name(),
          containment.name(),
          common.workers(),
          aliveLocked(),
          queue.size(),
          common.queueCapacity(),
          closed,
          trees,
          budget,
          lifeline);
    } finally {
      lock.unlock();
    }
  }

  /** Stops intake; accepted tasks go on, and the pool closes once they have ended. */
  public final void shutdown() {
    drain.shutdown();
  }

  /** Runs once, right after intake stopped. */
  protected void onShutdown() {}

  public final boolean isShutdown() {
    return drain.isShutdown() || isClosed();
  }

  public final boolean awaitTermination(Duration timeout) throws InterruptedException {
    return threads.awaitStopped(timeout);
  }

  public final boolean isTerminated() {
    return threads.hasStopped();
  }

  /** Drains up to {@code drainTimeout}, then ends what is left. */
  public final void close(Duration drainTimeout) {
    drain.close(drainTimeout, threads);
  }

  /**
   * Refuses new tasks, fails the waiting ones, ends every tree, and returns once every tree is gone
   * (every future is complete by then) and the listener has had the last events — except on one of
   * the pool's own threads, where waiting would wait for that very thread: there the last tree to
   * go stops the threads.
   */
  public final void close() {
    List<T> dropped;
    List<T> heldBack;
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        dropped = new ArrayList<>(queue);
        queue.clear();
        heldBack = takeHeldBackLocked();
      } else {
        dropped = List.of();
        heldBack = List.of();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (T task : dropped) {
      refuse(
          task,
          new PoolClosedException(
              "pool '"
                  + common.name()
                  + "' "
                  + drain.closedBy()
                  + " before queued task '"
                  + task.label()
                  + "' started"));
    }
    for (T task : heldBack) {
      refuse(
          task,
          new PoolClosedException(
              "pool '"
                  + common.name()
                  + "' was closed before "
                  + "task '"
                  + task.label()
                  + "' could run again"));
    }
    for (L l : live) {
      end(l, EndReason.POOL_CLOSED);
    }
    if (threads.isPoolThread()) {
      closedWithoutWaiting = true;
      stopThreadsIfDone();
      log.debug("[{}] close() on a pool thread: not waiting for the trees to end", name());
      return;
    }
    lock.lock();
    try {
      while (aliveLocked() > 0) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
    if (!events.awaitDelivered(EVENT_DELIVERY_BOUND)) {
      log.warn(
          "[{}] closed, but the pool listener is still busy after {} ms; the remaining "
              + "events are delivered in the background",
          name(),
          EVENT_DELIVERY_BOUND.toMillis());
    }
    stopThreads();
  }

  /** Tasks held back between attempts, taken out for close to fail; under the lock. */
  protected List<T> takeHeldBackLocked() {
    return List.of();
  }

  /** Takes {@code task} out of where tasks are held back between attempts; under the lock. */
  protected boolean dropHeldBackLocked(T task) {
    return false;
  }

  /**
   * After a tree went: if close() ran on a pool thread and did not wait, the last tree to go stops
   * the threads.
   */
  public final void stopThreadsIfDone() {
    boolean done;
    lock.lock();
    try {
      done = closed && closedWithoutWaiting && aliveLocked() == 0;
    } finally {
      lock.unlock();
    }
    if (done) {
      stopThreads();
    }
  }

  private void stopThreads() {
    containment.close(); // every tree is gone: what it kept between them goes too
    beforeThreadsStop();
    threads.stop();
  }

  /** Runs before the threads stop at close: a caller of awaitTermination finds it done. */
  protected void beforeThreadsStop() {}
}
