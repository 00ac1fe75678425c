package dev.stockade;

import dev.stockade.internal.pool.CommandPoolSettings;
import dev.stockade.internal.pool.RealCommandPool;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Runs each task as a fresh, supervised process tree: the pool for programs that speak no protocol
 * (ffmpeg, LibreOffice, {@code chromium --screenshot}).
 *
 * <pre>{@code
 * try (CommandPool pool = CommandPool.builder()
 *         .workers(2)
 *         .memoryLimit(MemorySize.ofMebibytes(768))
 *         .taskTimeout(Duration.ofSeconds(30))
 *         .build()) {
 *     CommandResult r = pool.run(Command.of("chromium", "--headless", "--screenshot", url)).get();
 * }
 * }</pre>
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li><b>Bounded.</b> At most {@code workers} trees are alive at once (a tree counts until it is
 *       verified gone) and at most {@code queueCapacity} tasks wait. Beyond that {@link #run}
 *       returns a future failed with {@link PoolSaturatedException}, or, with {@code
 *       blockWhenSaturated}, blocks for room up to the given wait.
 *   <li><b>Whole-tree limits.</b> The housekeeper samples every tree each {@code sampleInterval}
 *       from one pass over {@code /proc}. A tree whose memory crosses its hard limit is ended at
 *       once ({@link MemoryLimitExceededException}); a task that runs past its timeout has its tree
 *       ended ({@link TaskTimeoutException}).
 *   <li><b>Complete teardown.</b> A tree is ended by stopping every member, re-walking until no new
 *       member appears, then SIGTERM, the termination grace, SIGKILL, and a {@code /proc} scan
 *       proving none is left — daemons that double-forked and called {@code setsid} included.
 *       Processes a command leaves running after its own exit are ended the same way. Its {@code
 *       TMPDIR} is then removed.
 *   <li><b>Every future completes exactly once</b>, and only after the task's tree is gone: a
 *       {@link CommandResult} when the command ended by itself (any exit code, any signal Stockade
 *       did not send, unless {@code failOnNonZeroExit}), else a typed {@link StockadeException}. A
 *       cancelled future is the one exception: as the {@code Future} contract requires, it
 *       completes at once; {@code cancel(true)} then ends the running tree, {@code cancel(false)}
 *       lets a running one finish unobserved, and the listener's {@link PoolListener#taskFailed}
 *       tells when the tree is gone.
 * </ul>
 *
 * <p>The caller's code never runs on the pool's own threads: a future's dependent stages ({@code
 * thenApply} and its kin) run on the thread of a caller that was waiting for the result in {@code
 * get} or {@code join}, or else on the pool's callback executor ({@link
 * PoolBuilder#callbackExecutor}), where the listener runs too; so a slow callback delays neither
 * other tasks nor the pool's housekeeping, and a callback may wait on another task of the same
 * pool.
 *
 * <p>It closes as every {@link ProcessPool} does: {@link #close()} at once, {@link #shutdown()} and
 * {@link #close(Duration)} after a drain.
 */
public final class CommandPool extends ProcessPool {
  private final RealCommandPool engine;

  private CommandPool(RealCommandPool engine) {
    super(engine);
    this.engine = engine;
  }

  /** Starts a pool with settings its builder checked. */
  static CommandPool start(CommandPoolSettings settings) {
    return new CommandPool(RealCommandPool.start(settings));
  }

  /**
   * A builder for a pool, every setting at its default.
   *
   * @return a new builder
   */
  public static CommandPoolBuilder builder() {
    return new CommandPoolBuilder();
  }

  /**
   * Submits a command. Admission failures come back as a failed future ({@link
   * PoolSaturatedException}, {@link PoolClosedException}), never as a throw.
   *
   * @param command the command to run
   * @return a future that completes with the command's {@link CommandResult} once its whole tree
   *     has ended, or fails with a {@link StockadeException} that says why it has no result (or,
   *     once cancelled, with a {@code CancellationException})
   * @throws IllegalArgumentException if the command's timeout is shorter than the pool's sample
   *     interval or its memory limit is below one page
   */
  public CompletableFuture<CommandResult> run(Command command) {
    return engine.run(Objects.requireNonNull(command, "command"));
  }
}
