package dev.stockade.internal.cgroup;

import dev.stockade.CgroupMode;
import java.util.Optional;

/**
 * What {@link CgroupProbe} chose: the base to put worker groups in, or none, with one line that
 * says which and why for logs and snapshots, for instance {@code "cgroup v1 (memory, pids, freezer)
 * under /sys/fs/cgroup/<c>/stockade"} or {@code "no cgroups: cgroupMode is NONE"}.
 *
 * @param base where worker groups go; empty when the pool runs without cgroups
 * @param description the choice in one line; with no base, the reason
 */
public record CgroupSelection(Optional<CgroupBase> base, String description) {
  static CgroupSelection of(CgroupBase base) {
    return new CgroupSelection(Optional.of(base), base.description());
  }

  static CgroupSelection none(String reason) {
    return new CgroupSelection(Optional.empty(), "no cgroups: " + reason);
  }

  /** {@link CgroupMode#V2}, {@link CgroupMode#V1} or {@link CgroupMode#NONE}. */
  public CgroupMode mode() {
    return base.map(CgroupBase::mode).orElse(CgroupMode.NONE);
  }
}
