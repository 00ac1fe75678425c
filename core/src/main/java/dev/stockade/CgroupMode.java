package dev.stockade;

/**
 * Whether a pool puts each worker's tree in a cgroup of its own, and which version (the {@code
 * cgroupMode} setting). In a cgroup the kernel keeps the tree's membership (no process can fork,
 * daemonize or change session out of it), caps its memory ({@code memory.max} or {@code
 * memory.limit_in_bytes}) and its process count ({@code pids.max}), counts its memory, and ends it
 * whole. A pool reports the mode it chose, and why, in its log and {@link
 * PoolSnapshot#containment()}.
 */
public enum CgroupMode {
  /**
   * The strongest the machine offers: cgroup v2 with the memory controller, else v1 with the memory
   * controller, else v2 without it (membership and teardown only), else none. The default.
   */
  AUTO,
  /**
   * cgroup v2, with or without the memory controller; {@code build()} fails if no v2 group can be
   * made.
   */
  V2,
  /**
   * cgroup v1 with the memory controller (pids and freezer where present); else {@code build()}
   * fails.
   */
  V1,
  /** No cgroups: containment by session, tag and tree walk, as on a machine without them. */
  NONE
}
