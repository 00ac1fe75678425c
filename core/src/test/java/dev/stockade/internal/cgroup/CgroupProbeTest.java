package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.CgroupMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which hierarchy a pool gets, and the one line that says so. The tests on this machine's real
 * cgroups need root and the version they are about (each skips, saying why, where that version or
 * its controllers are missing); the others use literal mount tables whose mount points are not
 * cgroups, so they run anywhere.
 */
@Tag("cgroup")
class CgroupProbeTest {
  private final CgroupFixture fixture = new CgroupFixture();

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void ciOffersACgroupVersionWithMemoryAndPids() {
    // The cgroup tests of each version skip where it is missing; this is what keeps CI from
    // passing with all of them skipped.
    Probe v2 = Probe.of(CgroupMode.V2);
    Probe v1 = Probe.of(CgroupMode.V1);
    boolean usable = v2.hasMemoryAndPids() || v1.hasMemoryAndPids();
    String found = "v2: " + v2.description() + "; v1: " + v1.description();
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(
          usable,
          "no cgroup version with memory and pids here (" + found + "); under CI=true this fails");
    }
    assertThat(usable)
        .as(
            "CI must run as root where cgroup v2 or v1 offers the memory and pids"
                + " controllers, so that the cgroup tests run; found "
                + found)
        .isTrue();
  }

  @Test
  void autoChoosesV1WithMemoryPidsAndFreezerWhereV1HasThem() {
    fixture.require(CgroupMode.V1, "memory", "pids", "freezer");
    CgroupMounts mounts = CgroupMounts.current();

    CgroupSelection selection = CgroupProbe.select(CgroupMode.AUTO, mounts);

    assertThat(selection.mode()).isEqualTo(CgroupMode.V1);
    assertThat(selection.base())
        .hasValueSatisfying(
            base -> assertThat(base.controllers()).containsExactly("memory", "pids", "freezer"));
    Path cgroupRoot = mounts.v1("memory").orElseThrow().mountPoint().getParent();
    assertThat(selection.description())
        .isEqualTo("cgroup v1 (memory, pids, freezer) under " + cgroupRoot.resolve("<c>/stockade"));
  }

  @Test
  void autoChoosesV2WithMemoryAndPidsWhereV2HasThem() throws IOException {
    fixture.require(CgroupMode.V2, "memory", "pids");
    CgroupMounts mounts = CgroupMounts.current();

    CgroupSelection selection = CgroupProbe.select(CgroupMode.AUTO, mounts);

    assertThat(selection.mode()).isEqualTo(CgroupMode.V2);
    assertThat(selection.base())
        .hasValueSatisfying(
            base -> assertThat(base.controllers()).containsExactlyInAnyOrder("memory", "pids"));
    Path base = mounts.v2().orElseThrow().mountPoint().resolve("stockade");
    assertThat(selection.description()).isEqualTo("cgroup v2 at " + base + " (memory, pids)");
    assertThat(Files.readString(base.resolve("cgroup.subtree_control")).split("\\s+"))
        .as("the controllers pool directories can enable")
        .contains("memory", "pids");
  }

  @Test
  void autoPrefersV1WithMemoryAndLeavesNoV2BaseBehind() {
    fixture.require(CgroupMode.V1, "memory");
    Optional<CgroupMounts.Hierarchy> v2 = CgroupMounts.current().v2();
    Assumptions.assumeTrue(v2.isPresent(), "no cgroup2 file system is mounted beside v1 here");
    Path v2Base = v2.get().mountPoint().resolve("stockade");
    boolean existedBefore = Files.exists(v2Base);

    CgroupProbe.select(CgroupMode.AUTO);

    assertThat(Files.exists(v2Base)).isEqualTo(existedBefore);
  }

  @Test
  void v2OnThisMachineIsAcceptedWithoutTheMemoryControllerAndSaysSo() {
    CgroupBase base = fixture.require(CgroupMode.V2);
    Assumptions.assumeFalse(
        base.hasMemoryController(), "this machine's cgroup v2 has the memory controller");
    CgroupSelection selection = CgroupProbe.select(CgroupMode.V2);

    assertThat(selection.mode()).isEqualTo(CgroupMode.V2);
    assertThat(selection.description())
        .startsWith("cgroup v2 (no memory controller) at ")
        .contains("the memory controller is not in ")
        .contains("bound to the cgroup v1 hierarchy");
  }

  @Test
  void noneByConfigurationSaysSo() {
    CgroupSelection selection = CgroupProbe.select(CgroupMode.NONE);

    assertThat(selection.base()).isEmpty();
    assertThat(selection.mode()).isEqualTo(CgroupMode.NONE);
    assertThat(selection.description()).isEqualTo("no cgroups: cgroupMode is NONE");
  }

  @Test
  void askingForV1WhereItIsNotMountedNamesTheSettingTheValueAndWhy() {
    CgroupMounts pureV2 =
        CgroupMounts.parse(
            "32 25 0:28 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw\n", "0::/\n");

    assertThatThrownBy(() -> CgroupProbe.select(CgroupMode.V1, pureV2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "cgroupMode must name a cgroup version this machine offers,"
                + " but was V1: no cgroup v1 memory controller is mounted");
  }

  @Test
  void askingForV2WhereTheMountIsReadOnlyNamesTheSettingTheValueAndWhy() {
    CgroupMounts readOnly =
        CgroupMounts.parse(
            "32 25 0:28 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 rw\n", "0::/\n");

    assertThatThrownBy(() -> CgroupProbe.select(CgroupMode.V2, readOnly))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was V2: cgroup2 at /sys/fs/cgroup is mounted read-only");
  }

  /** What probing {@code mode} found: whether it has both controllers, and its description. */
  private record Probe(boolean hasMemoryAndPids, String description) {
    static Probe of(CgroupMode mode) {
      try {
        CgroupSelection selection = CgroupProbe.select(mode); // the fixture removes a base made
        return new Probe(
            selection
                .base()
                .map(base -> base.controllers().containsAll(List.of("memory", "pids")))
                .orElse(false),
            selection.description());
      } catch (IllegalArgumentException e) {
        return new Probe(false, e.getMessage());
      }
    }
  }

  @Test
  void autoWithNothingUsableRunsWithoutCgroupsAndGivesBothReasons(@TempDir Path tmp) {
    // A cgroup2 "mount" whose directory is not a cgroup file system: the base can be made, but
    // no controller can be enabled and nothing else works; v1 is not mounted at all.
    CgroupMounts mounts =
        CgroupMounts.parse(
            "32 25 0:28 / " + tmp.resolve("missing") + " rw - cgroup2 cgroup2 rw\n", "0::/\n");

    CgroupSelection selection = CgroupProbe.select(CgroupMode.AUTO, mounts);

    assertThat(selection.base()).isEmpty();
    assertThat(selection.description())
        .startsWith("no cgroups: v2: cannot create " + tmp.resolve("missing/stockade"))
        .endsWith("; v1: no cgroup v1 memory controller is mounted");
  }
}
