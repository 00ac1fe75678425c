package dev.stockade;

/**
 * The memory the JVM running a pool may use, as the pool reads it: the limit of the cgroup it runs
 * in (v2 or v1, the lowest of its own and its ancestors'), never only the host's totals — a pool in
 * a 4 GB container on a 64 GB host sees 4 GB. Where no cgroup limits it, the host's {@code
 * /proc/meminfo}.
 *
 * @param limit the most it may use: the cgroup's limit, or the host's total
 * @param used what is used now under that limit (page cache that can be dropped at once excluded)
 * @param available what is left: {@code limit - used}, or the host's {@code MemAvailable}
 * @param source where the figures come from, for instance {@code "cgroup v1 memory /kubepods/pod1:
 *     limit 4.0 GiB"} or {@code "/proc/meminfo"}
 */
public record MemoryBudget(
    MemorySize limit, MemorySize used, MemorySize available, String source) {}
