package dev.stockade.internal.protocol;

/**
 * The bytes from a worker broke the protocol. Internal: the pool turns it into a {@code
 * WorkerProtocolException} that fails the worker, never the pool.
 */
public final class ProtocolViolation extends Exception {
  public ProtocolViolation(String message) {
    super(message);
  }
}
