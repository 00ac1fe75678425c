package dev.stockade;

/**
 * The command ended by itself with a non-zero exit code or a signal Stockade did not send, and the
 * pool was built with {@code failOnNonZeroExit(true)}. The full {@link CommandResult} is attached.
 * By default such an ending is a normal result instead.
 */
public final class CommandFailedException extends StockadeException {
  private final transient CommandResult result;

  /**
   * An exception for the result of a command that ended badly; the message gives its label, pid,
   * exit status and last stderr lines.
   *
   * @param result how the command ended
   */
  public CommandFailedException(CommandResult result) {
    super(
        "command '"
            + result.label()
            + "' (pid "
            + result.pid()
            + ") ended with "
            + result.exitStatus()
            + (result.stderr().totalBytes() == 0
                ? ""
                : "; last stderr lines:\n" + result.stderr().lastLines(10)));
    this.result = result;
  }

  /**
   * How the command ended. Not serialized: null in a copy of this exception that was deserialized.
   *
   * @return the command's result
   */
  public CommandResult result() {
    return result;
  }
}
