package dev.stockade.internal.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * Told of the worker cgroups a pool keeps, empty, between trees (see {@link WorkerGroups}), so that
 * something outside the JVM (the lifeline's watchdog) removes them should the JVM die while they
 * wait.
 */
public interface KeptCgroups {
  /** {@code directories} were made for the pool's trees; {@code key} names them. */
  void kept(String key, List<Path> directories);

  /** The group named {@code key} is removed. */
  void dropped(String key);

  /** Tells no one. */
  KeptCgroups NONE =
      new KeptCgroups() {
        @Override
        public void kept(String key, List<Path> directories) {}

        @Override
        public void dropped(String key) {}
      };
}
