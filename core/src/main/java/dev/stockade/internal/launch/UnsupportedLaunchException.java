package dev.stockade.internal.launch;

/**
 * This JVM was started in a way from which no other JVM can be started with the classes it needs:
 * its message names the shape, the class that cannot be located, and the fix.
 */
public final class UnsupportedLaunchException extends Exception {
  private static final long serialVersionUID = 1L;

  UnsupportedLaunchException(String message) {
    super(message);
  }
}
