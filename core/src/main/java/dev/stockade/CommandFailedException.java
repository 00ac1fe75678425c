package dev.stockade;

/**
 * The command ended by itself with a non-zero exit code or a signal Stockade did not send, and
 * the pool was built with {@code failOnNonZeroExit(true)}. The full {@link CommandResult} is
 * attached. By default such an ending is a normal result instead.
 */
public final class CommandFailedException extends StockadeException {
  private final transient CommandResult result;

  public CommandFailedException(CommandResult result) {
    super("command '" + result.label() + "' (pid " + result.pid() + ") ended with "
        + result.exitStatus()
        + (result.stderr().totalBytes() == 0
            ? ""
            : "; last stderr lines:\n" + result.stderr().lastLines(10)));
    this.result = result;
  }

  public CommandResult result() {
    return result;
  }
}
