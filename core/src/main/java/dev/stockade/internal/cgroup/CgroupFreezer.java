package dev.stockade.internal.cgroup;

import dev.stockade.internal.os.Uninterruptibly;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Stops every process of a group at once and lets them run again, so a kill loop sees a member list
 * that cannot grow while it works. A frozen process cannot fork and cannot act on a signal; a
 * SIGKILL sent while frozen takes effect at {@link #thaw()}.
 */
interface CgroupFreezer {
  /** No freezer: a kill loop then races forks and repeats until it wins. */
  CgroupFreezer NONE =
      new CgroupFreezer() {
        @Override
        public boolean freeze(Duration bound) {
          return false;
        }

        @Override
        public void thaw() {}
      };

  /**
   * Freezes the group and waits at most {@code bound} until the kernel reports it frozen (a process
   * in uninterruptible sleep delays that). True if it is frozen.
   */
  boolean freeze(Duration bound) throws IOException;

  void thaw() throws IOException;

  /** The v1 freezer controller's group {@code dir}: {@code freezer.state}. */
  static CgroupFreezer v1(Path dir) {
    Path state = dir.resolve("freezer.state");
    return new CgroupFreezer() {
      @Override
      public boolean freeze(Duration bound) throws IOException {
        CgroupFiles.write(state, "FROZEN");
        // Reads FREEZING until every task has stopped.
        return waitFor(bound, () -> CgroupFiles.read(state).trim().equals("FROZEN"));
      }

      @Override
      public void thaw() throws IOException {
        CgroupFiles.write(state, "THAWED");
      }
    };
  }

  /** A v2 group {@code dir}: {@code cgroup.freeze}, confirmed by {@code frozen 1} in events. */
  static CgroupFreezer v2(Path dir) {
    Path freeze = dir.resolve("cgroup.freeze");
    Path events = dir.resolve("cgroup.events");
    return new CgroupFreezer() {
      @Override
      public boolean freeze(Duration bound) throws IOException {
        CgroupFiles.write(freeze, "1");
        return waitFor(bound, () -> CgroupFiles.keyedValue(events, "frozen").orElse(0) == 1);
      }

      @Override
      public void thaw() throws IOException {
        CgroupFiles.write(freeze, "0");
      }
    };
  }

  /** A condition read from the kernel's files. */
  interface Check {
    boolean holds() throws IOException;
  }

  private static boolean waitFor(Duration bound, Check check) throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      Uninterruptibly.sleep(Duration.ofMillis(1));
    }
    return true;
  }
}
