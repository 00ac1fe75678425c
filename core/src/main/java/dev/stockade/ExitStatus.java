package dev.stockade;

import java.util.OptionalInt;

/**
 * How a process ended: an exit code, or the number of the signal that ended it.
 *
 * <p>The JDK reports a death by signal N as the value 128 + N, so a program that itself exits
 * with a code above 128 (at most 128 + 64) is reported here as the matching signal, the same
 * convention POSIX shells use.
 */
public final class ExitStatus {
  private static final int SIGNAL_BASE = 128;
  private static final int MAX_SIGNAL = 64;

  private final int raw;

  private ExitStatus(int raw) {
    this.raw = raw;
  }

  /** The status from the value the JDK's {@link Process#exitValue()} returned. */
  public static ExitStatus fromJdkExitValue(int exitValue) {
    return new ExitStatus(exitValue);
  }

  /** The exit code, empty when the process was ended by a signal. */
  public OptionalInt exitCode() {
    return isSignal() ? OptionalInt.empty() : OptionalInt.of(raw);
  }

  /** The signal number, empty when the process exited by itself. */
  public OptionalInt signal() {
    return isSignal() ? OptionalInt.of(raw - SIGNAL_BASE) : OptionalInt.empty();
  }

  /** True for exit code 0. */
  public boolean isSuccess() {
    return raw == 0;
  }

  private boolean isSignal() {
    return raw > SIGNAL_BASE && raw <= SIGNAL_BASE + MAX_SIGNAL;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExitStatus && ((ExitStatus) o).raw == raw;
  }

  @Override
  public int hashCode() {
    return raw;
  }

  /** {@code "exit code 3"} or {@code "signal 11 (SIGSEGV)"}. */
  @Override
  public String toString() {
    if (!isSignal()) {
      return "exit code " + raw;
    }
    int signal = raw - SIGNAL_BASE;
    String name = signalName(signal);
    return name == null ? "signal " + signal : "signal " + signal + " (" + name + ")";
  }

  private static String signalName(int signal) {
    switch (signal) {
      case 1: return "SIGHUP";
      case 2: return "SIGINT";
      case 3: return "SIGQUIT";
      case 4: return "SIGILL";
      case 6: return "SIGABRT";
      case 7: return "SIGBUS";
      case 8: return "SIGFPE";
      case 9: return "SIGKILL";
      case 11: return "SIGSEGV";
      case 13: return "SIGPIPE";
      case 14: return "SIGALRM";
      case 15: return "SIGTERM";
      default: return null;
    }
  }
}
