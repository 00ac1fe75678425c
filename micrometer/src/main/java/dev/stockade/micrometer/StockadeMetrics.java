package dev.stockade.micrometer;

import dev.stockade.BreakerState;
import dev.stockade.EndReason;
import dev.stockade.MemorySize;
import dev.stockade.PoolSnapshot;
import dev.stockade.ProcessPool;
import dev.stockade.TaskOutcome;
import dev.stockade.WorkerSnapshot;
import dev.stockade.WorkerState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link ProcessPool} — a {@code CommandPool} or a {@code WorkerPool} — to a Micrometer
 * {@link MeterRegistry}. Every meter has the tag {@code pool} (the pool's name) and the tags given
 * here; names are dot-separated, times in seconds and memory in bytes once a registry renders them.
 *
 * <table>
 *   <caption>The meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code stockade.workers}</td><td>gauge</td><td>{@code state}</td>
 *       <td>live trees by {@link WorkerState} ({@code starting}, {@code idle}, {@code busy},
 *       {@code stopping})</td></tr>
 *   <tr><td>{@code stockade.workers.max}</td><td>gauge</td><td></td>
 *       <td>most trees alive at once</td></tr>
 *   <tr><td>{@code stockade.tasks.queued}</td><td>gauge</td><td></td>
 *       <td>tasks waiting for a worker</td></tr>
 *   <tr><td>{@code stockade.tasks.queue.capacity}</td><td>gauge</td><td></td>
 *       <td>most tasks that may wait</td></tr>
 *   <tr><td>{@code stockade.memory.used}</td><td>gauge, bytes</td><td></td>
 *       <td>the live trees' memory at their last sample, summed</td></tr>
 *   <tr><td>{@code stockade.memory.budget.limit}</td><td>gauge, bytes</td><td></td>
 *       <td>the memory the pool's JVM may use (machine or container)</td></tr>
 *   <tr><td>{@code stockade.memory.budget.available}</td><td>gauge, bytes</td><td></td>
 *       <td>what is left of it</td></tr>
 *   <tr><td>{@code stockade.tasks.ended}</td><td>counter</td><td>{@code outcome}</td>
 *       <td>tasks ended, by {@link TaskOutcome}; {@code outcome=refused} counts refusals</td></tr>
 *   <tr><td>{@code stockade.tasks.wait}</td><td>function timer</td><td></td>
 *       <td>time from submission to start, for each task that started</td></tr>
 *   <tr><td>{@code stockade.tasks.run}</td><td>function timer</td><td>{@code outcome}</td>
 *       <td>time from start to end, for each started task, by outcome</td></tr>
 *   <tr><td>{@code stockade.workers.started}</td><td>counter</td><td></td>
 *       <td>trees started</td></tr>
 *   <tr><td>{@code stockade.workers.ended}</td><td>counter</td><td>{@code reason}</td>
 *       <td>trees ended, by {@link EndReason}: in a {@code WorkerPool}, {@code reason=exited} is a
 *       crash and {@code reason=recycled} a recycle</td></tr>
 *   <tr><td>{@code stockade.breaker.state}</td><td>gauge</td><td>{@code state}</td>
 *       <td>1 for the {@code WorkerPool} breaker's state ({@code closed}, {@code open}, {@code
 *       half_open}), 0 for the others; absent for a {@code CommandPool}</td></tr>
 * </table>
 *
 * <p><b>Consistency.</b> Counters and timers read {@link ProcessPool#statistics()}, which counts a
 * task before its future completes: a count read after a caller's {@code get()} returned includes
 * that task. Gauges read {@link ProcessPool#snapshot()} when the registry asks. The timers are
 * {@link FunctionTimer}s: a count and a total (so a mean and a rate), no percentiles; a histogram
 * would have to be fed per task on the pool's threads.
 *
 * <p>The meters hold the pool weakly, as Micrometer's own binders do; {@link #close()} removes them
 * from the registries they were bound to (for a pool that is closed and replaced).
 */
public final class StockadeMetrics implements MeterBinder, AutoCloseable {
  private final ProcessPool pool;
  private final Tags tags;
  private final List<Bound> bound = new ArrayList<>();

  private record Bound(MeterRegistry registry, Meter meter) {}

  /**
   * Meters for {@code pool}, tagged with its name.
   *
   * @param pool the pool
   */
  public StockadeMetrics(ProcessPool pool) {
    this(pool, Tags.empty());
  }

  /**
   * Meters for {@code pool}, tagged with its name and {@code tags}.
   *
   * @param pool the pool
   * @param tags added to every meter
   */
  public StockadeMetrics(ProcessPool pool, Iterable<Tag> tags) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("pool", pool.name());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    for (WorkerState state : WorkerState.values()) {
      gauge(
          registry,
          "stockade.workers",
          "Live process trees by state",
          null,
          Tags.of("state", tagValue(state)),
          p -> countIn(p.snapshot(), state));
    }
    gauge(
        registry,
        "stockade.workers.max",
        "Most process trees alive at once",
        null,
        Tags.empty(),
        p -> p.snapshot().maxWorkers());
    gauge(
        registry,
        "stockade.tasks.queued",
        "Tasks waiting for a worker",
        null,
        Tags.empty(),
        p -> p.snapshot().queuedTasks());
    gauge(
        registry,
        "stockade.tasks.queue.capacity",
        "Most tasks that may wait",
        null,
        Tags.empty(),
        p -> p.snapshot().queueCapacity());
    gauge(
        registry,
        "stockade.memory.used",
        "Memory of the live trees at their last sample",
        BaseUnits.BYTES,
        Tags.empty(),
        p -> memoryOf(p.snapshot()));
    gauge(
        registry,
        "stockade.memory.budget.limit",
        "Memory the pool's JVM may use",
        BaseUnits.BYTES,
        Tags.empty(),
        p -> p.snapshot().memory().limit().toBytes());
    gauge(
        registry,
        "stockade.memory.budget.available",
        "Memory the pool's JVM has left",
        BaseUnits.BYTES,
        Tags.empty(),
        p -> p.snapshot().memory().available().toBytes());

    for (TaskOutcome outcome : TaskOutcome.values()) {
      Tags outcomeTag = Tags.of("outcome", tagValue(outcome));
      counter(
          registry,
          "stockade.tasks.ended",
          "Tasks ended, by outcome",
          outcomeTag,
          p -> p.statistics().tasksEnded().get(outcome));
      keep(
          registry,
          FunctionTimer.builder(
                  "stockade.tasks.run",
                  pool,
                  p -> p.statistics().startedTasksEnded().get(outcome),
                  p -> p.statistics().runTimeTotal().get(outcome).toNanos(),
                  TimeUnit.NANOSECONDS)
              .description("Time from a task's start to its end, by outcome")
              .tags(tags.and(outcomeTag))
              .register(registry));
    }
    keep(
        registry,
        FunctionTimer.builder(
                "stockade.tasks.wait",
                pool,
                p -> p.statistics().tasksStarted(),
                p -> p.statistics().queueWaitTotal().toNanos(),
                TimeUnit.NANOSECONDS)
            .description("Time from a task's submission to its start")
            .tags(tags)
            .register(registry));

    counter(
        registry,
        "stockade.workers.started",
        "Process trees started",
        Tags.empty(),
        p -> p.statistics().workersStarted());
    for (EndReason reason : EndReason.values()) {
      counter(
          registry,
          "stockade.workers.ended",
          "Process trees ended, by why",
          Tags.of("reason", tagValue(reason)),
          p -> p.statistics().workersEnded().get(reason));
    }

    if (pool.statistics().breaker().isPresent()) {
      for (BreakerState state : BreakerState.values()) {
        gauge(
            registry,
            "stockade.breaker.state",
            "1 for the state the breaker over worker starts is in, 0 for the others",
            null,
            Tags.of("state", tagValue(state)),
            p -> p.statistics().breaker().orElse(null) == state ? 1 : 0);
      }
    }
  }

  /** Removes every meter this binder registered, from every registry it was bound to. */
  @Override
  public void close() {
    synchronized (bound) {
      for (Bound b : bound) {
        b.registry().remove(b.meter());
      }
      bound.clear();
    }
  }

  private void gauge(
      MeterRegistry registry,
      String name,
      String description,
      String unit,
      Tags extra,
      ToDoubleFunction<ProcessPool> value) {
    keep(
        registry,
        Gauge.builder(name, pool, value)
            .description(description)
            .baseUnit(unit)
            .tags(tags.and(extra))
            .register(registry));
  }

  private void counter(
      MeterRegistry registry,
      String name,
      String description,
      Tags extra,
      ToDoubleFunction<ProcessPool> value) {
    keep(
        registry,
        FunctionCounter.builder(name, pool, value)
            .description(description)
            .tags(tags.and(extra))
            .register(registry));
  }

  private void keep(MeterRegistry registry, Meter meter) {
    synchronized (bound) {
      bound.add(new Bound(registry, meter));
    }
  }

  private static double countIn(PoolSnapshot snapshot, WorkerState state) {
    int n = 0;
    for (WorkerSnapshot w : snapshot.workers()) {
      if (w.state() == state) {
        n++;
      }
    }
    return n;
  }

  private static double memoryOf(PoolSnapshot snapshot) {
    long bytes = 0;
    for (WorkerSnapshot w : snapshot.workers()) {
      MemorySize now = w.memoryNow();
      bytes += now.toBytes();
    }
    return bytes;
  }

  /** {@code HALF_OPEN} as {@code half_open}: tag values in the case Micrometer's binders use. */
  private static String tagValue(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
