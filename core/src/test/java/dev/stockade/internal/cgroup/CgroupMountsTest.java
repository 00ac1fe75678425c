package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Mount points and own directories from literal /proc/self/mountinfo and /proc/self/cgroup. */
class CgroupMountsTest {
  private static final String PURE_V2_HOST_MOUNTINFO =
      """
      22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
      25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
      32 25 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
      """;
  private static final String PURE_V2_HOST_CGROUP = "0::/system.slice/app.service\n";

  // This machine: v1 controllers, each in its own hierarchy, and an empty v2 at .../unified.
  private static final String HYBRID_MOUNTINFO =
      """
      27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;
  private static final String HYBRID_CGROUP =
      """
      9:name=systemd:/
      8:pids:/
      6:freezer:/
      4:memory:/process_api/0d27588eda3724619260e148986650da
      1:cpu:/
      0::/
      """;

  // Docker with the host's cgroup namespace: each mount shows only the container's own group.
  private static final String CONTAINER_V1_MOUNTINFO =
      """
      1256 1240 0:58 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
      1263 1262 0:30 /docker/4f1c9e /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime master:15 - cgroup cgroup rw,memory
      1264 1262 0:31 /docker/4f1c9e /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime master:16 - cgroup cgroup rw,cpu,cpuacct
      1265 1262 0:33 /docker/4f1c9e /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime master:18 - cgroup cgroup rw,pids
      """;
  private static final String CONTAINER_V1_CGROUP =
      """
      11:pids:/docker/4f1c9e/app
      5:cpu,cpuacct:/docker/4f1c9e
      4:memory:/docker/4f1c9e
      0::/system.slice/containerd.service
      """;

  // Kubernetes on v2 without a cgroup namespace: the mount's root is the pod's container group.
  private static final String CONTAINER_V2_MOUNTINFO =
      """
      2890 2880 0:27 /kubepods.slice/pod7/cri-ab12 /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw
      """;
  private static final String CONTAINER_V2_CGROUP = "0::/kubepods.slice/pod7/cri-ab12\n";

  @Test
  void pureV2HostHasTheCgroup2MountAndNoV1Controller() {
    CgroupMounts mounts = CgroupMounts.parse(PURE_V2_HOST_MOUNTINFO, PURE_V2_HOST_CGROUP);

    assertThat(mounts.v2())
        .hasValueSatisfying(
            h -> {
              assertThat(h.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup"));
              assertThat(h.readOnly()).isFalse();
              assertThat(h.ownDirectory())
                  .contains(Path.of("/sys/fs/cgroup/system.slice/app.service"));
            });
    assertThat(mounts.v1("memory")).isEmpty();
  }

  @Test
  void hybridHostHasEachV1ControllerInItsOwnHierarchyAndV2Beside() {
    CgroupMounts mounts = CgroupMounts.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP);

    assertThat(mounts.v1("memory"))
        .hasValueSatisfying(
            h -> {
              assertThat(h.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/memory"));
              assertThat(h.ownDirectory())
                  .contains(
                      Path.of(
                          "/sys/fs/cgroup/memory/process_api/0d27588eda3724619260e148986650da"));
            });
    assertThat(mounts.v1("pids").flatMap(CgroupMounts.Hierarchy::ownDirectory))
        .contains(Path.of("/sys/fs/cgroup/pids"));
    assertThat(mounts.v1("freezer").map(CgroupMounts.Hierarchy::mountPoint))
        .contains(Path.of("/sys/fs/cgroup/freezer"));
    assertThat(mounts.v2())
        .hasValueSatisfying(
            h -> {
              assertThat(h.mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
              assertThat(h.ownDirectory()).contains(Path.of("/sys/fs/cgroup/unified"));
            });
  }

  @Test
  void flagsAndNamedHierarchiesAreNotTakenForControllers() {
    CgroupMounts mounts = CgroupMounts.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP);

    assertThat(mounts.v1("rw")).isEmpty();
    assertThat(mounts.v1("name=systemd")).isEmpty();
  }

  @Test
  void containerMountRootIsRemovedFromTheOwnPath() {
    CgroupMounts mounts = CgroupMounts.parse(CONTAINER_V1_MOUNTINFO, CONTAINER_V1_CGROUP);

    assertThat(mounts.v1("memory"))
        .hasValueSatisfying(
            h -> {
              assertThat(h.mountRoot()).isEqualTo("/docker/4f1c9e");
              assertThat(h.readOnly()).isTrue();
              assertThat(h.ownDirectory()).contains(Path.of("/sys/fs/cgroup/memory"));
            });
    assertThat(mounts.v1("pids").flatMap(CgroupMounts.Hierarchy::ownDirectory))
        .contains(Path.of("/sys/fs/cgroup/pids/app"));
    assertThat(mounts.v1("cpuacct").map(CgroupMounts.Hierarchy::mountPoint))
        .contains(Path.of("/sys/fs/cgroup/cpu,cpuacct"));
  }

  @Test
  void anOwnPathOutsideTheMountedPartHasNoDirectory() {
    CgroupMounts mounts =
        CgroupMounts.parse(
            CONTAINER_V1_MOUNTINFO.replace(
                "0:30 /docker/4f1c9e /sys/fs/cgroup/memory",
                "0:30 /docker/other /sys/fs/cgroup/memory"),
            CONTAINER_V1_CGROUP);

    assertThat(mounts.v1("memory").flatMap(CgroupMounts.Hierarchy::ownDirectory)).isEmpty();
  }

  @Test
  void v2ContainerWhoseMountRootIsItsOwnGroupResolvesToTheMountPoint() {
    CgroupMounts mounts = CgroupMounts.parse(CONTAINER_V2_MOUNTINFO, CONTAINER_V2_CGROUP);

    assertThat(mounts.v2())
        .hasValueSatisfying(
            h -> {
              assertThat(h.readOnly()).isTrue();
              assertThat(h.ownDirectory()).contains(Path.of("/sys/fs/cgroup"));
            });
  }

  @Test
  void escapedSpacesInMountPointsAreDecoded() {
    CgroupMounts mounts =
        CgroupMounts.parse(
            "50 1 0:40 / /mnt/my\\040cgroups rw,relatime - cgroup2 none rw\n", "0::/a\n");

    assertThat(mounts.v2().flatMap(CgroupMounts.Hierarchy::ownDirectory))
        .contains(Path.of("/mnt/my cgroups/a"));
  }

  @Test
  void nothingMountedMeansNoHierarchy() {
    CgroupMounts mounts = CgroupMounts.parse("", "");

    assertThat(mounts.v2()).isEmpty();
    assertThat(mounts.v1("memory")).isEmpty();
  }
}
