package dev.stockade.internal.cgroup;

import com.sun.management.OperatingSystemMXBean;
import dev.stockade.MemorySize;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The memory this JVM may use and is using, seen from inside its container: a pool in a 4 GB
 * container on a 64 GB host sees 4 GB.
 *
 * <ul>
 *   <li>cgroup v1 memory (when mounted, memory is accounted there and not in v2): the {@code
 *       hierarchical_memory_limit} of the own group's {@code memory.stat}, which already folds in
 *       every ancestor's limit and the own; used is {@code memory.usage_in_bytes} less {@code
 *       total_inactive_file}. The kernel writes "no limit" as 9223372036854771712.
 *   <li>cgroup v2: the lowest {@code memory.max} of the own group and its ancestors up to the
 *       mount's top ({@code max} meaning none); used is {@code memory.current} less {@code
 *       inactive_file}. The ancestors' limits are read once, when this object is made; the own
 *       group's on every read.
 *   <li>Otherwise, or when the cgroup's limit is at least the host's RAM: {@code /proc/meminfo},
 *       limit {@code MemTotal}, available {@code MemAvailable}.
 * </ul>
 *
 * The effective limit is never above the host's {@code MemTotal}. Cheap enough for every
 * housekeeper tick: the file paths are resolved once, and a read opens two or three files.
 * Thread-safe.
 */
public final class OwnCgroupMemory {
  private static final Path MEMINFO = Path.of("/proc/meminfo");

  private final Source source;
  private final long hostTotal;

  private OwnCgroupMemory(Source source, long hostTotal) {
    this.source = source;
    this.hostTotal = hostTotal;
  }

  /** Resolves the files for this process. */
  public static OwnCgroupMemory resolve() {
    return resolve(CgroupMounts.current());
  }

  static OwnCgroupMemory resolve(CgroupMounts mounts) {
    long hostTotal = HostMemory.read().total();
    Optional<CgroupMounts.Hierarchy> v1 = mounts.v1("memory");
    if (v1.isPresent()) {
      Optional<Path> own = v1.get().ownDirectory();
      if (own.isPresent() && Files.exists(own.get().resolve("memory.stat"))) {
        return new OwnCgroupMemory(
            new V1Source(own.get(), v1.get().ownCgroup().orElse("/")), hostTotal);
      }
    } else if (mounts.v2().isPresent()) {
      CgroupMounts.Hierarchy v2 = mounts.v2().get();
      Optional<Path> own = v2.ownDirectory();
      if (own.isPresent() && Files.exists(own.get().resolve("memory.current"))) {
        return new OwnCgroupMemory(
            new V2Source(
                own.get(), v2.ownCgroup().orElse("/"), ancestorLimit(own.get(), v2.mountPoint())),
            hostTotal);
      }
    }
    return new OwnCgroupMemory(null, hostTotal);
  }

  /** The lowest memory.max strictly above {@code own} up to and including the mount's top. */
  private static long ancestorLimit(Path own, Path mountPoint) {
    long lowest = CgroupFiles.UNLIMITED;
    for (Path dir = own.getParent();
        dir != null && dir.startsWith(mountPoint);
        dir = dir.getParent()) {
      Path max = dir.resolve("memory.max"); // the real root has none
      if (Files.exists(max)) {
        try {
          lowest = Math.min(lowest, CgroupFiles.readLimit(max));
        } catch (IOException e) {
          // unreadable: it cannot be honoured, and the own limit still is
        }
      }
    }
    return lowest;
  }

  /** Reads the limit and the use now. Never throws: an unreadable cgroup falls back to the host. */
  public MemoryReading read() {
    if (source == null) {
      return host("(no cgroup memory controller for this process)");
    }
    try {
      MemoryReading reading = source.readBelow(hostTotal);
      return reading != null ? reading : host("(" + source.name() + " sets no lower limit)");
    } catch (IOException e) {
      return host("(" + source.name() + " unreadable: " + CgroupFiles.reason(e) + ")");
    }
  }

  private MemoryReading host(String why) {
    HostMemory host = HostMemory.read();
    return new MemoryReading(
        host.total(),
        Math.max(0, host.total() - host.available()),
        host.available(),
        "host /proc/meminfo: " + MemorySize.ofBytes(host.total()) + " " + why);
  }

  @Override
  public String toString() {
    return source == null ? "host /proc/meminfo" : source.name();
  }

  private static MemoryReading reading(String name, long limit, long used) {
    return new MemoryReading(
        limit, used, Math.max(0, limit - used), name + ": limit " + MemorySize.ofBytes(limit));
  }

  /** A cgroup's files. */
  private interface Source {
    String name();

    /**
     * The reading if the cgroup's limit is below {@code hostTotal}, else null: the limit is read
     * first, so an unlimited group costs no usage read.
     */
    MemoryReading readBelow(long hostTotal) throws IOException;
  }

  private static final class V1Source implements Source {
    private final Path stat;
    private final Path usage;
    private final String name;

    V1Source(Path dir, String cgroup) {
      this.stat = dir.resolve("memory.stat");
      this.usage = dir.resolve("memory.usage_in_bytes");
      this.name = "cgroup v1 memory " + cgroup;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public MemoryReading readBelow(long hostTotal) throws IOException {
      // One read of memory.stat gives both the limit and the cache to leave out of the usage.
      String content = CgroupFiles.read(stat);
      long limit =
          CgroupFiles.keyedValue(content, "hierarchical_memory_limit")
              .orElse(CgroupFiles.UNLIMITED);
      if (limit >= hostTotal) {
        return null;
      }
      long inactiveFile = CgroupFiles.keyedValue(content, "total_inactive_file").orElse(0);
      return reading(name, limit, Math.max(0, CgroupFiles.readLimit(usage) - inactiveFile));
    }
  }

  private static final class V2Source implements Source {
    private final Path max;
    private final boolean hasMax; // the real root group has no memory.max
    private final Path current;
    private final Path stat;
    private final String name;
    private final long ancestorLimit;

    V2Source(Path dir, String cgroup, long ancestorLimit) {
      this.max = dir.resolve("memory.max");
      this.hasMax = Files.exists(max);
      this.current = dir.resolve("memory.current");
      this.stat = dir.resolve("memory.stat");
      this.name = "cgroup v2 " + cgroup;
      this.ancestorLimit = ancestorLimit;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public MemoryReading readBelow(long hostTotal) throws IOException {
      long own = hasMax ? CgroupFiles.readLimit(max) : CgroupFiles.UNLIMITED;
      long limit = Math.min(own, ancestorLimit);
      if (limit >= hostTotal) {
        return null;
      }
      long inactiveFile = CgroupFiles.keyedValue(stat, "inactive_file").orElse(0);
      return reading(name, limit, Math.max(0, CgroupFiles.readLimit(current) - inactiveFile));
    }
  }

  /** MemTotal and MemAvailable of {@code /proc/meminfo}, in bytes. */
  private record HostMemory(long total, long available) {
    static HostMemory read() {
      try {
        String content = Files.readString(MEMINFO);
        long total = kib(content, "MemTotal:");
        long available = kib(content, "MemAvailable:");
        return new HostMemory(total, available < 0 ? total : available);
      } catch (IOException e) {
        // No /proc (not Linux): the JDK asks the operating system.
        OperatingSystemMXBean os =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new HostMemory(os.getTotalMemorySize(), os.getFreeMemorySize());
      }
    }

    private static long kib(String content, String key) {
      int at = content.indexOf(key);
      if (at < 0) {
        return -1;
      }
      int i = at + key.length();
      while (i < content.length() && content.charAt(i) == ' ') {
        i++;
      }
      long value = 0;
      while (i < content.length() && Character.isDigit(content.charAt(i))) {
        value = value * 10 + (content.charAt(i) - '0');
        i++;
      }
      return value * 1024;
    }
  }
}
