package dev.stockade.internal.cgroup;

/**
 * How much memory this JVM's surroundings allow and use at one moment (see {@link
 * OwnCgroupMemory}).
 *
 * @param limitBytes what this JVM and everything beside it in its cgroup may use at most: the
 *     cgroup's limit, or the host's RAM if that is lower or there is no limit
 * @param usedBytes what is used against that limit now, page cache that can be dropped excluded
 * @param availableBytes what can still be used, never negative
 * @param source where the numbers come from, for instance {@code "cgroup v1 memory
 *     /process_api/abc: limit 3.0 GiB"}
 */
public record MemoryReading(long limitBytes, long usedBytes, long availableBytes, String source) {}
