package dev.stockade.testing;

import dev.stockade.CgroupMode;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The cgroups this machine offers a pool, for the tests that need them: a test skips, saying why,
 * where the mode it asks for is not usable (not root, read-only mounts) or lacks a controller it
 * needs. {@code CgroupProbeTest.ciOffersACgroupVersionWithMemoryAndPids} fails CI where none is.
 */
public final class CgroupsHere {
  private CgroupsHere() {}

  /**
   * What {@code mode} selects here; skips the test unless it has every one of {@code controllers}.
   */
  public static CgroupSelection require(CgroupMode mode, String... controllers) {
    CgroupSelection selection;
    try {
      selection = CgroupProbe.select(mode);
    } catch (IllegalArgumentException e) {
      Assumptions.abort("no usable cgroups here for cgroupMode " + mode + ": " + e.getMessage());
      return null;
    }
    Assumptions.assumeTrue(
        selection.base().isPresent()
            && selection.base().get().controllers().containsAll(List.of(controllers)),
        () ->
            "cgroup "
                + mode
                + " here offers no "
                + String.join(" or ", controllers)
                + " controller: "
                + selection.description());
    return selection;
  }
}
