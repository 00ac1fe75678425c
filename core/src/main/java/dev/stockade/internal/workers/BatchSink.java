package dev.stockade.internal.workers;

import dev.stockade.internal.protocol.BatchPayloads;

/**
 * Where a batch's outcomes go as its worker reports them (see {@code docs/protocol.md}, "Batches"):
 * called on the worker's reader thread, in the order of the inputs, with outcomes whose shape and
 * failure payloads were checked. It must not block: it hands the outcomes to the thread that waits
 * for them. A batch run again after its worker failed reports again from its first input.
 */
@FunctionalInterface
public interface BatchSink {
  void outcomes(String workerId, BatchPayloads.Outcomes outcomes);
}
