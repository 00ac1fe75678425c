package dev.stockade.internal.engine;

import dev.stockade.internal.os.OutputPipe;
import dev.stockade.internal.os.PidCounter;
import dev.stockade.internal.os.PipeHolders;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.TagIndex;
import dev.stockade.internal.os.TeardownReport;
import dev.stockade.internal.os.TreeMembership;
import dev.stockade.internal.os.TreeTeardown;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a torn-down tree's output. Once the teardown has verified every member gone, no member
 * holds the tree's stdout or stderr pipe any more, so their readers reach the end at once. If they
 * do not within {@link #MOMENT}, some process the teardown did not know of still holds a write end:
 * an escaped member (one that, between two samples, cleared its environment, left the session and
 * lost its parent, as {@code env -i setsid -f} does) or an outsider that was handed the pipe. The
 * pipe is proof of where it came from, so:
 *
 * <ul>
 *   <li>the holders are found through {@code /proc/PID/fd} ({@link PipeHolders});
 *   <li>those not older than the tree's root are its members (unless they are processes this JVM is
 *       starting, caught before their exec with a copy of its descriptors): they, their
 *       descendants, sessions and groups are ended like a tree (freeze, SIGTERM, the same grace,
 *       SIGKILL, verify), and counted in the report; a WARN names them, since containment missed
 *       them;
 *   <li>older ones are not the tree's to end; a WARN names them;
 *   <li>a pipe still held after that (an outsider, a process that survives SIGKILL, or one whose
 *       descriptors this JVM may not read) is abandoned: its readers return, and the WARN names
 *       what holds it. No pool thread stays blocked on it.
 * </ul>
 *
 * At most {@link #MAX_ROUNDS} rounds, for a holder that handed the pipe on while it was ended.
 * Costs nothing when the pipes end by themselves, which is every tree without an escape.
 */
public final class PipeHolderSweep {
  private static final Logger log = LoggerFactory.getLogger(PipeHolderSweep.class);

  /** How long readers may take to see the end of pipes nobody holds: a scheduling delay. */
  static final Duration MOMENT = Duration.ofMillis(50);

  /** How long readers may take to read what is buffered when no holder can be seen. */
  static final Duration DRAIN_BOUND = Duration.ofSeconds(2);

  static final int MAX_ROUNDS = 3;
  private static final long SELF = ProcessHandle.current().pid();

  private PipeHolderSweep() {}

  /**
   * What the sweep did.
   *
   * @param ended the escaped members it ended, to add to the teardown's report
   * @param readToEnd true if every pipe was read to its end; false if one was abandoned
   */
  public record Outcome(TeardownReport ended, boolean readToEnd) {}

  static Outcome sweep(SupervisedTree tree, CompletableFuture<?> readersDone, Duration grace) {
    List<OutputPipe> pipes = tree.process().outputPipes();
    try {
      if (await(readersDone, MOMENT)) {
        return new Outcome(TeardownReport.NOTHING, true);
      }
      return sweepHeld(tree, pipes, readersDone, grace);
    } finally {
      // Every reader has returned (or was abandoned): the descriptors can go.
      for (OutputPipe pipe : pipes) {
        try {
          pipe.close();
        } catch (IOException ignored) {
          // closing a read end fails for nothing that matters here
        }
      }
    }
  }

  private static Outcome sweepHeld(
      SupervisedTree tree,
      List<OutputPipe> pipes,
      CompletableFuture<?> readersDone,
      Duration grace) {
    long deadline = System.nanoTime() + DRAIN_BOUND.toNanos();
    Set<Long> inodes = new HashSet<>();
    for (OutputPipe pipe : pipes) {
      inodes.add(pipe.inode());
    }
    String who = "[" + tree.poolName() + "] " + tree.workerId() + " ('" + tree.label() + "')";
    TeardownReport ended = TeardownReport.NOTHING;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<PipeHolders.Holder> holders = PipeHolders.find(inodes);
      List<PipeHolders.Holder> escaped = new ArrayList<>();
      for (PipeHolders.Holder holder : holders) {
        if (isOfTree(holder, tree)) {
          escaped.add(holder);
        }
      }
      if (escaped.isEmpty()) {
        if (holders.isEmpty() && await(readersDone, remaining(deadline))) {
          return new Outcome(ended, true); // nobody held it: the readers were only slow
        }
        break;
      }
      log.warn(
          "{}: {} still held the tree's output after its teardown, so escaped from the "
              + "tree unseen; ending {} as members of the tree",
          who,
          escaped,
          escaped.size() == 1 ? "it" : "them");
      List<ProcessIdentity> roots = new ArrayList<>();
      for (PipeHolders.Holder holder : escaped) {
        roots.add(holder.process().identity());
      }
      ended =
          ended.and(
              new TreeTeardown(
                      new TreeMembership(
                          roots, tree.tag(), PidCounter.ALWAYS_FULL, List.of(tree.root())),
                      new TagIndex())
                  .end(grace));
      if (await(readersDone, MOMENT)) {
        return new Outcome(ended, true);
      }
    }
    List<PipeHolders.Holder> holders = PipeHolders.find(inodes); // as they are now
    if (holders.isEmpty() && await(readersDone, remaining(deadline))) {
      return new Outcome(ended, true);
    }
    log.warn(
        "{}: the tree's output is still held after its teardown by {}; stopped reading it",
        who,
        describe(holders, tree));
    for (OutputPipe pipe : pipes) {
      pipe.abandon();
    }
    if (!await(readersDone, DRAIN_BOUND)) {
      log.error("{}: a reader of the tree's output did not return after it was abandoned", who);
    }
    return new Outcome(ended, false);
  }

  /**
   * A holder not older than the tree's root got the pipe from the tree. An older one was handed it
   * (or opened it through {@code /proc}): it is not the tree's to end.
   */
  private static boolean isOfTree(PipeHolders.Holder holder, SupervisedTree tree) {
    return holder.process().startTime() >= tree.root().startTime()
        && !isBeingStartedByThisJvm(holder.process());
  }

  /**
   * A child of this JVM in this JVM's session is a process the JVM is starting — the application's
   * own {@code ProcessBuilder} included — caught between its fork and its exec, when it holds a
   * copy of every descriptor of the JVM, the write end of a pipe a concurrent spawn has just made
   * among them. No tree's process is in the JVM's session.
   */
  private static boolean isBeingStartedByThisJvm(ProcessInfo p) {
    ProcessInfo self = ProcFs.readStat(SELF);
    return p.ppid() == SELF && self != null && p.sid() == self.sid();
  }

  private static String describe(List<PipeHolders.Holder> holders, SupervisedTree tree) {
    if (holders.isEmpty()) {
      return "a process whose descriptors this JVM may not read (another user's?)";
    }
    List<String> described = new ArrayList<>();
    for (PipeHolders.Holder holder : holders) {
      described.add(
          holder
              + (isOfTree(holder, tree)
                  ? ", which survived being ended"
                  : ", which is older than the tree and not the tree's to end"));
    }
    return String.join("; ", described);
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  private static boolean await(CompletableFuture<?> done, Duration bound) {
    try {
      done.get(bound.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true; // a reader that failed has returned all the same
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return done.isDone();
    }
  }
}
