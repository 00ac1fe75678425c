package dev.stockade.internal.engine;

/** How {@link QueueAdmission} placed a task. */
public enum Admitted {
  /** It took a slot of its own ({@code takeSlotLocked}): start it now. */
  TO_START,
  /** It waits in the queue. */
  QUEUED,
  /** It was refused: its future is failed and its end reported. */
  REFUSED
}
