package dev.stockade.internal.lifeline;

import dev.stockade.internal.cgroup.KeptCgroups;
import java.nio.file.Path;
import java.util.List;

/**
 * Registers the cgroups a pool keeps between trees with this JVM's {@link Lifeline}, keyed by their
 * directory: if the JVM dies while they wait, its watchdog removes them as it removes a tree's.
 */
public final class LifelineCgroups implements KeptCgroups {
  private final Lifeline lifeline;

  public LifelineCgroups(Lifeline lifeline) {
    this.lifeline = lifeline;
  }

  @Override
  public void kept(String key, List<Path> directories) {
    lifeline.register(LifelineMessage.keptCgroup(key, directories));
  }

  @Override
  public void dropped(String key) {
    lifeline.treeEnded(key);
  }
}
