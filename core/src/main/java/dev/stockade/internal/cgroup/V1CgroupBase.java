package dev.stockade.internal.cgroup;

import dev.stockade.CgroupMode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The {@code stockade} directories of the cgroup v1 hierarchies Stockade uses: memory always, pids
 * and freezer when mounted and writable. Pool and worker directories have the same names in each.
 */
final class V1CgroupBase implements CgroupBase {
  private final Map<String, Path> bases;
  private final ThreadPlacement placement;

  /**
   * @param bases the {@code stockade} directory per controller, memory first
   * @param hierarchies the mounted hierarchy per controller of {@code bases}
   */
  V1CgroupBase(Map<String, Path> bases, Map<String, CgroupMounts.Hierarchy> hierarchies) {
    this.bases = new LinkedHashMap<>(bases);
    this.placement = new ThreadPlacement(hierarchies);
  }

  @Override
  public Optional<ThreadPlacement> threadPlacement() {
    return Optional.of(placement);
  }

  @Override
  public boolean reusesGroups() {
    return true;
  }

  @Override
  public CgroupMode mode() {
    return CgroupMode.V1;
  }

  @Override
  public Set<String> controllers() {
    return bases.keySet();
  }

  @Override
  public String description() {
    // Every controller's base is <mount>/stockade with the controller's name as the mount's
    // last segment on standard layouts, hence the compact "<c>" form; other layouts are listed.
    Path memory = bases.get("memory");
    boolean standard =
        bases.size() > 1
            && bases.entrySet().stream()
                .allMatch(
                    e ->
                        e.getValue()
                            .equals(
                                memory.getParent().resolveSibling(e.getKey()).resolve("stockade")));
    String where =
        standard
            ? memory.getParent().getParent().resolve("<c>").resolve("stockade").toString()
            : bases.values().stream().map(Path::toString).collect(Collectors.joining(", "));
    return "cgroup v1 (" + String.join(", ", bases.keySet()) + ") under " + where;
  }

  @Override
  public WorkerCgroup worker(String poolId, String workerId) {
    return new V1WorkerCgroup(poolDirectories(poolId), workerId);
  }

  private Map<String, Path> poolDirectories(String poolId) {
    CgroupNames.requireSegment("poolId", poolId);
    Map<String, Path> pools = new LinkedHashMap<>();
    bases.forEach((controller, base) -> pools.put(controller, base.resolve(poolId)));
    return pools;
  }

  @Override
  public Set<String> poolIds() throws IOException {
    Set<String> ids = new TreeSet<>();
    for (Path base : bases.values()) {
      ids.addAll(CgroupNames.segmentsIn(base));
    }
    return ids;
  }

  @Override
  public void removePool(String poolId, Duration bound) throws IOException {
    Map<String, Path> pools = poolDirectories(poolId);
    Set<String> workerIds = new TreeSet<>();
    for (Path pool : pools.values()) {
      workerIds.addAll(CgroupFiles.childNames(pool));
    }
    for (String workerId : workerIds) {
      if (!CgroupNames.isSegment(workerId)) {
        continue; // not a name Stockade makes: the removal below fails if it holds processes
      }
      WorkerCgroup worker = new V1WorkerCgroup(pools, workerId);
      worker.killAll();
      worker.awaitEmpty(bound);
      worker.remove();
    }
    for (Path pool : pools.values()) {
      CgroupFiles.removeSubtree(pool, bound);
    }
  }

  @Override
  public String toString() {
    return description();
  }
}
