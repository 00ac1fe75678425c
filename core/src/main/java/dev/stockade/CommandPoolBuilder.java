package dev.stockade;

import dev.stockade.internal.engine.PoolSettings;
import dev.stockade.internal.pool.CommandPoolSettings;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Configures a {@link CommandPool}: the settings every pool shares ({@link PoolBuilder}), and what
 * a command's result keeps. Made by {@link CommandPool#builder()}; each setting may be set once,
 * and every value is checked at {@link #build()}.
 */
public final class CommandPoolBuilder extends PoolBuilder<CommandPoolBuilder> {
  private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

  private MemorySize outputLimit = MemorySize.ofKibibytes(64);
  private boolean failOnNonZeroExit;

  CommandPoolBuilder() {
    super("commands-");
  }

  /**
   * Bytes of stdout and of stderr kept per task (the tail); the rest is counted and dropped. At
   * most 64 MiB. Default: 64 KiB.
   *
   * @param outputLimit the bytes kept of each stream
   * @return this builder
   * @throws IllegalStateException if {@code outputLimit} was already set
   */
  public CommandPoolBuilder outputLimit(MemorySize outputLimit) {
    rules.once("outputLimit", this.outputLimit);
    this.outputLimit = Objects.requireNonNull(outputLimit, "outputLimit");
    return this;
  }

  /**
   * When true, a command that ends by itself with a non-zero exit code or a signal fails its future
   * with {@link CommandFailedException} (the result attached) instead of completing it. Default:
   * false, because for many programs a non-zero exit is an answer, not an error.
   *
   * @param failOnNonZeroExit whether such an ending fails the future
   * @return this builder
   * @throws IllegalStateException if {@code failOnNonZeroExit} was already set
   */
  public CommandPoolBuilder failOnNonZeroExit(boolean failOnNonZeroExit) {
    rules.once("failOnNonZeroExit", this.failOnNonZeroExit);
    this.failOnNonZeroExit = failOnNonZeroExit;
    return this;
  }

  /**
   * Validates every setting and starts the pool.
   *
   * @return the running pool
   * @throws IllegalArgumentException naming the first setting out of range, before anything was
   *     started
   * @throws UnsupportedOperationException on a machine without {@code /proc}
   * @throws IllegalStateException if {@link #requireLifeline requireLifeline} is true and the
   *     lifeline's watchdog cannot be started (saying why)
   */
  public CommandPool build() {
    PoolSettings common = commonSettings(POOL_NUMBER::incrementAndGet);
    require(
        outputLimit.compareTo(MemorySize.ofMebibytes(64)) <= 0,
        "outputLimit",
        "<= 64 MiB",
        outputLimit);
    beforeStart(common);
    return CommandPool.start(
        new CommandPoolSettings(common, (int) outputLimit.toBytes(), failOnNonZeroExit));
  }
}
