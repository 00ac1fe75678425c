package dev.stockade.internal.cgroup;

import dev.stockade.CgroupMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, once at pool start, which cgroup hierarchy worker groups go in, by trying rather than by
 * reading version numbers: a hierarchy counts only if a {@code stockade} directory can be made in
 * it and, for memory limits, the memory controller can be enabled for it.
 *
 * <ul>
 *   <li><b>v2</b>: the cgroup2 mount is writable, {@code <mount>/stockade} can be created, and
 *       {@code +memory +pids} (those the mount offers) can be written to the mount's {@code
 *       cgroup.subtree_control} and to the base's. The base and the pool directories never hold a
 *       process, which is what v2's "no internal processes" rule asks; this JVM is never moved.
 *       Without the memory controller (it may be bound to a v1 hierarchy, or the mount root holds
 *       processes, as a container's namespace root often does) v2 still gives membership, {@code
 *       cgroup.kill} and {@code cgroup.events}: a weaker v2.
 *   <li><b>v1</b>: the memory controller's hierarchy is writable and {@code <memory
 *       mount>/stockade} can be created; pids and freezer are added when they are too.
 * </ul>
 *
 * {@link CgroupMode#AUTO} takes v2 with memory, else v1 (which has memory), else the weaker v2,
 * else none: a memory cap over the whole tree is worth more than {@code cgroup.kill}, which v1
 * replaces with its freezer. {@link CgroupMode#V2} accepts the weaker v2 (the selection's
 * description says "no memory controller", and {@link CgroupBase#hasMemoryController()} is false),
 * since what was asked for is v2 membership. A probe that created a base it then does not use
 * removes it again.
 *
 * <p>The base sits at the top of the mounted hierarchy, not below this JVM's own group: under v2
 * the JVM's group holds a process (the JVM), so it cannot enable controllers for children. Inside a
 * container the mount's top is the container's group, so workers stay inside the container's
 * limits; on a host they are outside the JVM's own group and are capped by their own limits.
 */
public final class CgroupProbe {
  /** The directory every pool directory is in. */
  public static final String BASE_NAME = "stockade";

  private static final Logger log = LoggerFactory.getLogger(CgroupProbe.class);

  /** The name of the builder setting, in messages about it. */
  private static final String SETTING = "cgroupMode";

  private static final List<String> V2_CONTROLLERS = List.of("memory", "pids");
  private static final List<String> V1_OPTIONAL_CONTROLLERS = List.of("pids", "freezer");

  private CgroupProbe() {}

  /**
   * Chooses for this process's mounts.
   *
   * @throws IllegalArgumentException if {@code requested} is {@link CgroupMode#V2} or {@link
   *     CgroupMode#V1} and that hierarchy is not usable here, naming the setting, the value and the
   *     reason
   */
  public static CgroupSelection select(CgroupMode requested) {
    return select(requested, CgroupMounts.current());
  }

  /** Chooses for {@code mounts}; see {@link #select(CgroupMode)}. */
  public static CgroupSelection select(CgroupMode requested, CgroupMounts mounts) {
    CgroupSelection selection = choose(requested, mounts);
    log.debug("{}={}: {}", SETTING, requested, selection.description());
    return selection;
  }

  private static CgroupSelection choose(CgroupMode requested, CgroupMounts mounts) {
    switch (requested) {
      case NONE:
        return CgroupSelection.none(SETTING + " is NONE");
      case V2:
        return required(requested, probeV2(mounts));
      case V1:
        return required(requested, probeV1(mounts));
      case AUTO:
      default:
        Attempt v2 = probeV2(mounts);
        if (v2.base != null && v2.base.hasMemoryController()) {
          return CgroupSelection.of(v2.base);
        }
        Attempt v1 = probeV1(mounts);
        if (v1.base != null) {
          v2.undo();
          return CgroupSelection.of(v1.base);
        }
        if (v2.base != null) {
          return CgroupSelection.of(v2.base);
        }
        return CgroupSelection.none("v2: " + v2.reason + "; v1: " + v1.reason);
    }
  }

  private static CgroupSelection required(CgroupMode requested, Attempt attempt) {
    if (attempt.base == null) {
      throw new IllegalArgumentException(
          SETTING
              + " must name a cgroup version this machine offers, but was "
              + requested
              + ": "
              + attempt.reason
              + " ("
              + CgroupMode.AUTO
              + " takes the strongest available, "
              + CgroupMode.NONE
              + " runs without cgroups)");
    }
    return CgroupSelection.of(attempt.base);
  }

  /** A probe's outcome: a usable base, or the reason there is none; and what it created. */
  private static final class Attempt {
    CgroupBase base;
    String reason;
    final List<Path> created = new ArrayList<>();

    Attempt fail(String why) {
      base = null;
      reason = why;
      undo();
      return this;
    }

    /** Removes the directories this probe made, newest first, if they are still empty. */
    void undo() {
      for (int i = created.size() - 1; i >= 0; i--) {
        try {
          Files.deleteIfExists(created.get(i));
        } catch (IOException e) {
          log.debug("left {} in place: {}", created.get(i), CgroupFiles.reason(e));
        }
      }
      created.clear();
    }

    /**
     * Makes {@code dir} if missing, remembering it, and checks that groups can be made in it; false
     * with the reason set if not (a base made by root earlier is no use to another user).
     */
    boolean makeDirectory(Path dir) {
      if (!Files.isDirectory(dir)) {
        try {
          Files.createDirectory(dir);
          created.add(dir);
        } catch (IOException e) {
          if (!Files.isDirectory(dir)) { // else another JVM made it in the meantime
            reason = "cannot create " + dir + ": " + CgroupFiles.reason(e);
            return false;
          }
        }
      }
      if (!Files.isWritable(dir)) {
        reason = "cannot create groups in " + dir + ": Permission denied";
        return false;
      }
      return true;
    }
  }

  private static Attempt probeV2(CgroupMounts mounts) {
    Attempt attempt = new Attempt();
    Optional<CgroupMounts.Hierarchy> found = mounts.v2();
    if (found.isEmpty()) {
      return attempt.fail("no cgroup2 file system is mounted");
    }
    CgroupMounts.Hierarchy hierarchy = found.get();
    Path mount = hierarchy.mountPoint();
    if (hierarchy.readOnly()) {
      return attempt.fail("cgroup2 at " + mount + " is mounted read-only");
    }
    if (hierarchy.ownCgroup().isPresent() && hierarchy.ownDirectory().isEmpty()) {
      // A worker's root starts in this JVM's group and must be able to move out of it.
      return attempt.fail(
          "this process's cgroup "
              + hierarchy.ownCgroup().get()
              + " is outside the part of the hierarchy mounted at "
              + mount);
    }
    Path base = mount.resolve(BASE_NAME);
    if (!attempt.makeDirectory(base)) {
      return attempt.fail(attempt.reason);
    }
    Set<String> offered = words(mount.resolve("cgroup.controllers"));
    Map<String, String> missing = new LinkedHashMap<>();
    Set<String> enabled = new LinkedHashSet<>();
    for (String controller : V2_CONTROLLERS) {
      if (!offered.contains(controller)) {
        missing.put(controller, notOffered(controller, mount, mounts));
        continue;
      }
      // First the mount's top, so the base has the controller; then the base, so pools do.
      String failure = enable(mount, controller);
      if (failure == null) {
        failure = enable(base, controller);
      }
      if (failure == null) {
        enabled.add(controller);
      } else {
        missing.put(controller, failure);
      }
    }
    attempt.base = new V2CgroupBase(base, enabled, missing.get("memory"));
    attempt.reason = attempt.base.description();
    return attempt;
  }

  private static String notOffered(String controller, Path mount, CgroupMounts mounts) {
    String where =
        mounts
            .v1(controller)
            .map(h -> " (it is bound to the cgroup v1 hierarchy at " + h.mountPoint() + ")")
            .orElse("");
    return "the "
        + controller
        + " controller is not in "
        + mount.resolve("cgroup.controllers")
        + where;
  }

  /** Enables {@code controller} for the children of {@code group}; null, or why it failed. */
  private static String enable(Path group, String controller) {
    Path control = group.resolve("cgroup.subtree_control");
    try {
      if (!words(control).contains(controller)) {
        CgroupFiles.write(control, "+" + controller);
      }
      return null;
    } catch (IOException e) {
      String why = e.getMessage();
      if (why != null && why.contains("busy")) {
        why +=
            " (cgroup v2 enables controllers only for the children of a group without"
                + " processes of its own)";
      }
      return why;
    }
  }

  private static Set<String> words(Path file) {
    try {
      return new LinkedHashSet<>(CgroupFiles.words(CgroupFiles.read(file), " "));
    } catch (IOException e) {
      return Set.of();
    }
  }

  private static Attempt probeV1(CgroupMounts mounts) {
    Attempt attempt = new Attempt();
    Optional<CgroupMounts.Hierarchy> memory = mounts.v1("memory");
    if (memory.isEmpty()) {
      return attempt.fail("no cgroup v1 memory controller is mounted");
    }
    if (memory.get().readOnly()) {
      return attempt.fail(
          "the cgroup v1 memory controller at "
              + memory.get().mountPoint()
              + " is mounted read-only");
    }
    Path memoryBase = memory.get().mountPoint().resolve(BASE_NAME);
    if (!attempt.makeDirectory(memoryBase)) {
      return attempt.fail(attempt.reason);
    }
    if (!Files.exists(memoryBase.resolve("memory.limit_in_bytes"))) {
      return attempt.fail(memoryBase + " has no memory.limit_in_bytes");
    }
    Map<String, Path> bases = new LinkedHashMap<>();
    Map<String, CgroupMounts.Hierarchy> hierarchies = new LinkedHashMap<>();
    bases.put("memory", memoryBase);
    hierarchies.put("memory", memory.get());
    for (String controller : V1_OPTIONAL_CONTROLLERS) {
      Optional<CgroupMounts.Hierarchy> h = mounts.v1(controller);
      if (h.isEmpty() || h.get().readOnly()) {
        log.debug(
            "cgroup v1 {} controller: {}",
            controller,
            h.isEmpty() ? "not mounted" : "mounted read-only");
        continue;
      }
      Path base = h.get().mountPoint().resolve(BASE_NAME);
      if (attempt.makeDirectory(base)) {
        bases.put(controller, base);
        hierarchies.put(controller, h.get());
      } else {
        log.debug("cgroup v1 {} controller unused: {}", controller, attempt.reason);
      }
    }
    attempt.base = new V1CgroupBase(bases, hierarchies);
    attempt.reason = attempt.base.description();
    return attempt;
  }
}
