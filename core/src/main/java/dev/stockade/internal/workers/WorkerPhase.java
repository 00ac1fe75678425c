package dev.stockade.internal.workers;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a worker is in its life, as the pool's dispatch sees it; every change goes through {@link
 * WorkerLife#moveTo}, which allows only the moves listed here.
 *
 * <pre>
 * STARTING   -> SERVING      it said HELLO
 * SERVING    -> CONFIRMING   a cancelled task was answered, nothing queued behind it
 *            -> RETIRING     it became due to retire
 * CONFIRMING -> SERVING      its PONG came (RETIRING instead, if it became due meanwhile)
 * RETIRING   -> CONFIRMING   a cancelled task was answered
 * any        -> ENDING       its end was claimed (a RETIRING worker's once it is idle)
 * </pre>
 */
enum WorkerPhase {
  /** Started; it has not said HELLO yet and takes no task. */
  STARTING,
  /** Said HELLO; takes tasks up to its window. */
  SERVING,
  /**
   * A cancelled task of it was answered, but its handler may still run (a runtime that cannot
   * interrupt it answers first): it takes no task until a PONG shows the handler returned.
   */
  CONFIRMING,
  /** Due to retire (see {@link WorkerLife#retirement()}): takes no task, and ends once idle. */
  RETIRING,
  /** Its end is claimed: it is being torn down. */
  ENDING;

  private Set<WorkerPhase> next() {
    return switch (this) {
      case STARTING -> EnumSet.of(SERVING, ENDING);
      case SERVING -> EnumSet.of(CONFIRMING, RETIRING, ENDING);
      case CONFIRMING -> EnumSet.of(SERVING, RETIRING, ENDING);
      case RETIRING -> EnumSet.of(CONFIRMING, ENDING);
      case ENDING -> EnumSet.noneOf(WorkerPhase.class);
    };
  }

  boolean canMoveTo(WorkerPhase phase) {
    return next().contains(phase);
  }

  /** Said HELLO and is not ending: it serves, or will again. */
  boolean isServing() {
    return this == SERVING || this == CONFIRMING || this == RETIRING;
  }
}
