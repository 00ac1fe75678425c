package dev.stockade;

import java.util.OptionalInt;

/**
 * How a process ended: an exit code, or the number of the signal that ended it.
 *
 * <p>On Linux, Stockade starts processes itself and reads the status the kernel reports, so the two
 * are always told apart. Where it must fall back to the JDK's {@link Process}, a death by signal N
 * arrives as the value 128 + N; there a program that itself exits with a code from 129 to 192 is
 * reported as the matching signal, the convention POSIX shells use.
 */
public final class ExitStatus {
  private static final int MAX_SIGNAL = 64;

  private final int code;
  private final int signal;

  private ExitStatus(int code, int signal) {
    this.code = code;
    this.signal = signal;
  }

  /**
   * The process exited by itself with {@code code}.
   *
   * @param code the exit code, as the process gave it
   * @return the status
   */
  public static ExitStatus exited(int code) {
    return new ExitStatus(code, 0);
  }

  /**
   * The process was ended by signal {@code signal}.
   *
   * @param signal the number of the signal, 1 to 64
   * @return the status
   * @throws IllegalArgumentException if {@code signal} is not between 1 and 64
   */
  public static ExitStatus killedBy(int signal) {
    if (signal < 1 || signal > MAX_SIGNAL) {
      throw new IllegalArgumentException("signal must be between 1 and 64, but was " + signal);
    }
    return new ExitStatus(-1, signal);
  }

  /**
   * The exit code, empty when the process was ended by a signal.
   *
   * @return the exit code, or empty
   */
  public OptionalInt exitCode() {
    return signal == 0 ? OptionalInt.of(code) : OptionalInt.empty();
  }

  /**
   * The signal number, empty when the process exited by itself.
   *
   * @return the signal number, or empty
   */
  public OptionalInt signal() {
    return signal == 0 ? OptionalInt.empty() : OptionalInt.of(signal);
  }

  /**
   * True for exit code 0.
   *
   * @return whether the process exited by itself with code 0
   */
  public boolean isSuccess() {
    return signal == 0 && code == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExitStatus other && other.code == code && other.signal == signal;
  }

  @Override
  public int hashCode() {
    return 31 * code + signal;
  }

  /** {@code "exit code 3"} or {@code "signal 11 (SIGSEGV)"}. */
  @Override
  public String toString() {
    if (signal == 0) {
      return "exit code " + code;
    }
    String name = signalName(signal);
    return name == null ? "signal " + signal : "signal " + signal + " (" + name + ")";
  }

  private static String signalName(int signal) {
    switch (signal) {
      case 1:
        return "SIGHUP";
      case 2:
        return "SIGINT";
      case 3:
        return "SIGQUIT";
      case 4:
        return "SIGILL";
      case 6:
        return "SIGABRT";
      case 7:
        return "SIGBUS";
      case 8:
        return "SIGFPE";
      case 9:
        return "SIGKILL";
      case 11:
        return "SIGSEGV";
      case 13:
        return "SIGPIPE";
      case 14:
        return "SIGALRM";
      case 15:
        return "SIGTERM";
      default:
        return null;
    }
  }
}
