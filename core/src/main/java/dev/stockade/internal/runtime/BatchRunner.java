package dev.stockade.internal.runtime;

import dev.stockade.internal.protocol.BatchPayloads;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs one BATCH on the thread that runs tasks, as {@code docs/protocol.md} ("Batches") prescribes:
 * the handler once per input, in order, with the batch's context; a failure is its input's outcome
 * and the batch goes on. Outcomes are held and sent together in BATCH_RESULT frames: when the batch
 * is done, before a frame would pass the bound, and once 10 ms have passed since the batch began or
 * since its last BATCH_RESULT (the supervisor restarts the batch's clocks at each one). The clock
 * is read between runs of inputs, not after each one: a run doubles while it takes less than a
 * millisecond in all and is one input again once it does not, so tiny inputs cost no clock reads
 * and a slow one is still followed by a check. Once cancelled, it runs no further input: it sends
 * the outcomes it holds and answers the batch ERROR {@code Cancelled}.
 */
final class BatchRunner {
  /** How long outcomes may be held. */
  static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** A run of inputs that takes less than this doubles. */
  private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private static final int MAX_RUN = 1 << 16;

  /** Where the batch's frames go. */
  @FunctionalInterface
  interface Outlet {
    /** Sends a frame with the batch's id; {@code last} if it answers the batch. */
    void send(FrameType type, byte[] payload, boolean last);
  }

  private final Handler handler;
  private final TaskContext context;
  private final BooleanSupplier cancelled;
  private final int bound;
  private final Outlet outlet;

  /** The most one outcome's body may take: a frame holding it alone is at the bound. */
  private final int room;

  /** Inputs covered by BATCH_RESULT frames so far. */
  private int sent;

  private byte[] kinds = new byte[16];
  private final List<byte[]> bodies = new ArrayList<>();

  /** The size of a BATCH_RESULT payload of the held outcomes. */
  private long heldBytes = BatchPayloads.RESULT_HEADER_BYTES;

  BatchRunner(
      Handler handler, TaskContext context, BooleanSupplier cancelled, int bound, Outlet outlet) {
    this.handler = handler;
    this.context = context;
    this.cancelled = cancelled;
    this.bound = bound;
    this.outlet = outlet;
    this.room = bound - BatchPayloads.RESULT_HEADER_BYTES - BatchPayloads.RESULT_BYTES_PER_OUTCOME;
  }

  /** Runs {@code inputs} and answers the batch. */
  void run(List<byte[]> inputs) {
    int count = inputs.size();
    long runStart = System.nanoTime();
    long flushAt = runStart + FLUSH_NANOS;
    int run = 1;
    int runEnd = 1;
    Throwable interruption = null;
    for (int i = 0; i < count && !cancelled.getAsBoolean(); i++) {
      byte kind = BatchPayloads.OUTPUT;
      byte[] body;
      try {
        body = handler.handle(inputs.get(i), context);
        if (body == null) {
          body = new byte[0];
        } else if (body.length > room) {
          kind = BatchPayloads.FAILURE;
          body = BoundedPayloads.resultTooLarge(body.length, bound, room);
        } else {
          body = body.clone(); // held a while: the handler may reuse the array it returned
        }
      } catch (Throwable t) { // the handler's failure is its input's outcome, never ours
        if (cancelled.getAsBoolean()) {
          interruption = t; // the interrupted input has no outcome
          break;
        }
        kind = BatchPayloads.FAILURE;
        body =
            BoundedPayloads.error(
                t.getClass().getName(),
                String.valueOf(t.getMessage()),
                BoundedPayloads.trace(t, room),
                room);
      }
      inputs.set(i, null); // its memory is free while the batch goes on
      hold(kind, body);
      if (i + 1 == runEnd) {
        long now = System.nanoTime();
        run = now - runStart < RUN_NANOS ? Math.min(run * 2, MAX_RUN) : 1;
        if (now - flushAt >= 0 && i + 1 < count) {
          flush(false);
          flushAt = System.nanoTime() + FLUSH_NANOS;
        }
        runStart = System.nanoTime();
        runEnd = i + 1 + run;
      }
    }
    if (sent + bodies.size() == count) {
      flush(true);
      return;
    }
    if (!bodies.isEmpty()) {
      flush(false);
    }
    String message = "task " + context.taskId() + " was cancelled";
    String trace = interruption == null ? "" : BoundedPayloads.trace(interruption, bound);
    outlet.send(FrameType.ERROR, BoundedPayloads.error("Cancelled", message, trace, bound), true);
  }

  /** Holds an outcome, sending those held first if a frame with it would pass the bound. */
  private void hold(byte kind, byte[] body) {
    long more = BatchPayloads.RESULT_BYTES_PER_OUTCOME + (long) body.length;
    if (!bodies.isEmpty() && heldBytes + more > bound) {
      flush(false);
    }
    if (bodies.size() == kinds.length) {
      kinds = Arrays.copyOf(kinds, kinds.length * 2);
    }
    kinds[bodies.size()] = kind;
    bodies.add(body);
    heldBytes += more;
  }

  /** Sends the held outcomes in one frame; {@code last} if it covers the batch's last input. */
  private void flush(boolean last) {
    byte[] payload = BatchPayloads.outcomes(sent, Arrays.copyOf(kinds, bodies.size()), bodies);
    sent += bodies.size();
    bodies.clear();
    heldBytes = BatchPayloads.RESULT_HEADER_BYTES;
    outlet.send(FrameType.BATCH_RESULT, payload, last);
  }
}
