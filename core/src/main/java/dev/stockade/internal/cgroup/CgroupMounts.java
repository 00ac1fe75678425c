package dev.stockade.internal.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the cgroup hierarchies are mounted as this process sees them, and which directory of each
 * holds this process: the facts of {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}
 * joined.
 *
 * <p>A mount may show only part of a hierarchy: inside a container the mount's root (field 4 of
 * mountinfo) is often the container's own cgroup, so {@code /sys/fs/cgroup} there is {@code
 * /docker/<id>} of the host. A path from {@code /proc/self/cgroup} is mapped to a directory by
 * removing that root first; a path outside the mounted part has no directory here, and {@link
 * Hierarchy#ownDirectory()} is then empty. When one hierarchy is mounted more than once, the mount
 * whose root contains this process's cgroup wins, else the first.
 *
 * <p>Immutable; reading it is free. {@link #current()} reads the two files once.
 */
public final class CgroupMounts {
  // The super options of a v1 mount mix controllers with flags ("rw,memory"); these are the
  // controller names, so a flag is never taken for one.
  private static final Set<String> V1_CONTROLLERS =
      Set.of(
          "memory",
          "pids",
          "freezer",
          "cpu",
          "cpuacct",
          "cpuset",
          "blkio",
          "devices",
          "net_cls",
          "net_prio",
          "perf_event",
          "hugetlb",
          "rdma",
          "misc");

  /**
   * One mounted hierarchy.
   *
   * @param mountPoint where it is mounted, for instance {@code /sys/fs/cgroup/memory}
   * @param mountRoot the hierarchy's directory shown at the mount point, {@code /} for all of it
   * @param readOnly whether the mount is read-only (containers often mount it so)
   * @param ownCgroup this process's cgroup in the hierarchy, as {@code /proc/self/cgroup} names it;
   *     empty if that file does not list the hierarchy
   */
  public record Hierarchy(
      Path mountPoint, String mountRoot, boolean readOnly, Optional<String> ownCgroup) {

    /** The directory of this process's cgroup, if it lies inside the mounted part. */
    public Optional<Path> ownDirectory() {
      return ownCgroup.flatMap(this::directoryOf);
    }

    /** The directory of cgroup {@code cgroupPath} (a path as in /proc/PID/cgroup), if mounted. */
    public Optional<Path> directoryOf(String cgroupPath) {
      String relative;
      if (mountRoot.equals("/")) {
        relative = cgroupPath;
      } else if (cgroupPath.equals(mountRoot)) {
        relative = "/";
      } else if (cgroupPath.startsWith(mountRoot + "/")) {
        relative = cgroupPath.substring(mountRoot.length());
      } else {
        return Optional.empty();
      }
      if (relative.contains("/../") || relative.endsWith("/..")) {
        // A cgroup namespace shows groups outside it as "/../x": not reachable from this mount.
        return Optional.empty();
      }
      String inside = relative.substring(1);
      return Optional.of(inside.isEmpty() ? mountPoint : mountPoint.resolve(inside));
    }

    boolean contains(String cgroupPath) {
      return mountRoot.equals("/")
          || cgroupPath.equals(mountRoot)
          || cgroupPath.startsWith(mountRoot + "/");
    }
  }

  private final Optional<Hierarchy> v2;
  private final Map<String, Hierarchy> v1ByController;

  private CgroupMounts(Optional<Hierarchy> v2, Map<String, Hierarchy> v1ByController) {
    this.v2 = v2;
    this.v1ByController = v1ByController;
  }

  /**
   * The mounts of this process. Where the files cannot be read (not Linux) the result has no
   * hierarchy at all, which the probe reports as the reason for running without cgroups.
   */
  public static CgroupMounts current() {
    try {
      return parse(
          Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8),
          Files.readString(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return parse("", "");
    }
  }

  /**
   * Parses the text of {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}. Lines that do
   * not have the documented shape are skipped.
   */
  public static CgroupMounts parse(String mountinfo, String procSelfCgroup) {
    Map<String, String> ownPaths = parseOwnPaths(procSelfCgroup);
    List<Hierarchy> v2Mounts = new ArrayList<>();
    Map<String, List<Hierarchy>> v1Mounts = new HashMap<>();
    for (String line : nonEmptyLines(mountinfo)) {
      List<String> fields = List.of(line.split(" ", -1));
      int separator = fields.indexOf("-");
      if (separator < 6 || fields.size() < separator + 4) {
        continue;
      }
      String fsType = fields.get(separator + 1);
      String root = unescape(fields.get(3));
      Path mountPoint = Path.of(unescape(fields.get(4)));
      boolean readOnly = List.of(fields.get(5).split(",", -1)).contains("ro");
      if (fsType.equals("cgroup2")) {
        v2Mounts.add(
            new Hierarchy(mountPoint, root, readOnly, Optional.ofNullable(ownPaths.get(""))));
      } else if (fsType.equals("cgroup")) {
        for (String option : fields.get(separator + 3).split(",", -1)) {
          if (V1_CONTROLLERS.contains(option)) {
            Optional<String> own = Optional.ofNullable(ownPaths.get(option));
            v1Mounts
                .computeIfAbsent(option, k -> new ArrayList<>())
                .add(new Hierarchy(mountPoint, root, readOnly, own));
          }
        }
      }
    }
    Map<String, Hierarchy> v1 = new HashMap<>();
    v1Mounts.forEach((controller, mounts) -> v1.put(controller, best(mounts)));
    return new CgroupMounts(
        v2Mounts.isEmpty() ? Optional.empty() : Optional.of(best(v2Mounts)), Map.copyOf(v1));
  }

  /** The cgroup2 hierarchy, if one is mounted. */
  public Optional<Hierarchy> v2() {
    return v2;
  }

  /** The v1 hierarchy that holds {@code controller} ({@code "memory"}), if one is mounted. */
  public Optional<Hierarchy> v1(String controller) {
    return Optional.ofNullable(v1ByController.get(controller));
  }

  @Override
  public String toString() {
    return "CgroupMounts{v2=" + v2 + ", v1=" + v1ByController + "}";
  }

  private static Hierarchy best(List<Hierarchy> mounts) {
    for (Hierarchy h : mounts) {
      if (h.ownCgroup().isPresent() && h.contains(h.ownCgroup().get())) {
        return h;
      }
    }
    return mounts.get(0);
  }

  /**
   * Maps each controller to this process's path: {@code "4:memory:/a"} gives memory → /a, {@code
   * "2:cpu,cpuacct:/b"} both, {@code "0::/c"} the v2 path under the key "".
   */
  private static Map<String, String> parseOwnPaths(String procSelfCgroup) {
    Map<String, String> paths = new HashMap<>();
    for (String line : nonEmptyLines(procSelfCgroup)) {
      List<String> parts = List.of(line.trim().split(":", 3));
      if (parts.size() != 3) {
        continue;
      }
      String path = parts.get(2);
      if (parts.get(1).isEmpty()) {
        if (parts.get(0).equals("0")) {
          paths.put("", path);
        }
        continue;
      }
      for (String controller : parts.get(1).split(",", -1)) {
        paths.put(controller, path);
      }
    }
    return paths;
  }

  /** Mountinfo writes space, tab, newline and backslash in paths as octal escapes: "\040". */
  private static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && isOctal(field, i + 1)) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }

  /** The lines of {@code text}, as they are, empty ones left out. */
  private static List<String> nonEmptyLines(String text) {
    return Arrays.stream(text.split("\n")).filter(line -> !line.isEmpty()).toList();
  }
}
