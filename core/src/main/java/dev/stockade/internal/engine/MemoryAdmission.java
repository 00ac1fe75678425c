package dev.stockade.internal.engine;

import dev.stockade.MemoryBudget;
import dev.stockade.MemoryPressureEvent;
import dev.stockade.MemoryPressurePolicy;
import dev.stockade.MemorySize;
import dev.stockade.internal.cgroup.MemoryReading;
import dev.stockade.internal.cgroup.OwnCgroupMemory;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission by memory: whether a pool may start another worker tree, given what its JVM's container
 * has left ({@link OwnCgroupMemory}: the cgroup's limit and usage, else the host's). Starts are
 * held while the memory available is below {@code minFreeMemory}; the pool applies its {@link
 * MemoryPressurePolicy} to the work that waited. Entering and leaving pressure is logged and told
 * to the listener once each; the pool reports its own actions.
 *
 * <p>Thread-safe. A reading opens two or three small files.
 */
public final class MemoryAdmission {
  private static final Logger log = LoggerFactory.getLogger(MemoryAdmission.class);

  private final String poolName;
  private final OwnCgroupMemory memory;
  private final MemorySize minFree;
  private final MemoryPressurePolicy policy;
  private final Events events;
  private boolean underPressure;

  /** The admission of a pool with {@code common}, over the memory of this JVM's cgroup. */
  static MemoryAdmission forPool(PoolSettings common, Events events) {
    return new MemoryAdmission(
        common.name(),
        OwnCgroupMemory.resolve(),
        common.minFreeMemory(),
        common.memoryPressurePolicy(),
        events);
  }

  public MemoryAdmission(
      String poolName,
      OwnCgroupMemory memory,
      MemorySize minFree,
      MemoryPressurePolicy policy,
      Events events) {
    this.poolName = poolName;
    this.memory = memory;
    this.minFree = minFree;
    this.policy = policy;
    this.events = events;
  }

  /** The memory the JVM may use and has left, now. */
  public MemoryBudget budget() {
    MemoryReading r = memory.read();
    return new MemoryBudget(
        MemorySize.ofBytes(r.limitBytes()),
        MemorySize.ofBytes(r.usedBytes()),
        MemorySize.ofBytes(Math.max(0, r.availableBytes())),
        r.source());
  }

  /** Whether the last reading of {@link #pressure()} found memory short; reads nothing new. */
  public synchronized boolean isUnderPressure() {
    return underPressure;
  }

  /** The {@code minFreeMemory} that pressure is judged against. */
  public MemorySize minFree() {
    return minFree;
  }

  public MemoryPressurePolicy policy() {
    return policy;
  }

  /**
   * The reading that holds new trees back, or empty when one may start (always empty when no {@code
   * minFreeMemory} is set). Tells the listener when pressure begins or ends.
   */
  public Optional<MemoryBudget> pressure() {
    if (minFree.toBytes() == 0) {
      return Optional.empty();
    }
    MemoryBudget budget = budget();
    boolean now = budget.available().compareTo(minFree) < 0;
    boolean changed;
    synchronized (this) {
      changed = now != underPressure;
      underPressure = now;
    }
    if (changed) {
      String action = now ? "holding new workers back (" + policy + ")" : "starting workers again";
      if (now) {
        log.warn(
            "[{}] memory available {} is below minFreeMemory {} ({}): {}",
            poolName,
            budget.available(),
            minFree,
            budget.source(),
            action);
      } else {
        log.info(
            "[{}] memory available {} is back above minFreeMemory {}: {}",
            poolName,
            budget.available(),
            minFree,
            action);
      }
      report(budget, now, action);
    }
    return now ? Optional.of(budget) : Optional.empty();
  }

  /** Tells the listener what the pool did under pressure. */
  public void report(MemoryBudget budget, boolean pressured, String action) {
    events.fire(
        l ->
            l.memoryPressure(
                new MemoryPressureEvent(poolName, budget, minFree, pressured, action)));
  }

  /** The message of a task shed under {@code budget}. */
  public String shedMessage(String taskLabel, MemoryBudget budget) {
    return "task '"
        + taskLabel
        + "' was not started by pool '"
        + poolName
        + "': "
        + budget.available()
        + " of memory available, below minFreeMemory "
        + minFree
        + " (limit "
        + budget.limit()
        + ", used "
        + budget.used()
        + ", from "
        + budget.source()
        + "; memoryPressurePolicy SHED)";
  }
}
