package dev.stockade;

/** Which measurement produced a memory figure. */
public enum MemoryMetric {
  /**
   * Resident set size summed over the tree's processes ({@code /proc/PID/stat}). Cheap, and an
   * upper bound: pages shared between processes (a browser's binary, libc) count once per process.
   */
  RSS,
  /**
   * Proportional set size summed over the tree's processes ({@code /proc/PID/smaps_rollup}): each
   * shared page is split between the processes sharing it, so the sum is what the tree really
   * holds. About 30 times dearer to read than RSS.
   */
  PSS,
  /**
   * The tree's cgroup, as the kernel counts it: its memory usage less the page cache it can drop at
   * once ({@code inactive_file}), as {@code docker stats} shows it. Used whenever the tree runs in
   * a cgroup with the memory controller; the kernel enforces the hard limit on the usage itself.
   */
  CGROUP
}
