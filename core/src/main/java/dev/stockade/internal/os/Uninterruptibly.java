package dev.stockade.internal.os;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Waits that an interrupt does not cut short, for the steps of a teardown or a close that must
 * finish once begun: the interrupt is kept and restored once the wait is over, so the caller still
 * sees it.
 */
public final class Uninterruptibly {
  private Uninterruptibly() {}

  /** Sleeps for {@code pause}, whatever interrupts come meanwhile. */
  public static void sleep(Duration pause) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + pause.toNanos();
    try {
      for (long left = pause.toNanos(); left > 0; left = deadline - System.nanoTime()) {
        try {
          Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits until {@code latch} reaches zero, whatever interrupts come meanwhile. */
  public static void await(CountDownLatch latch) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          latch.await();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
