package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ticks sample a tree, from what its samples found. */
class SampleCadenceTest {
  private static final long LIMIT = 1L << 30;
  private static final int MAX_PROCESSES = 1024;

  @Test
  void aTreeThatIsNotQuietIsSampledAtEveryTick() {
    SampleCadence cadence = new SampleCadence();
    assertThat(sampledTicks(cadence, 8, false, 10 << 20, 10))
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void aQuietTreeUnderHalfItsLimitsIsSampledOneTickInFour() {
    SampleCadence cadence = new SampleCadence();
    // 300 MiB: under half the limit, over an eighth.
    assertThat(sampledTicks(cadence, 16, true, 300L << 20, 10)).containsExactly(1, 2, 6, 10, 14);
  }

  @Test
  void aQuietTreeFarBelowItsLimitsIsSampledOneTickInEight() {
    SampleCadence cadence = new SampleCadence();
    assertThat(sampledTicks(cadence, 26, true, 10 << 20, 10)).containsExactly(1, 2, 10, 18, 26);
  }

  @Test
  void aQuietTreeWithManyProcessesIsNotFarBelowItsLimits() {
    SampleCadence cadence = new SampleCadence();
    // 200 processes: under half of 1024, over an eighth.
    assertThat(sampledTicks(cadence, 16, true, 10 << 20, 200)).containsExactly(1, 2, 6, 10, 14);
  }

  @Test
  void aTreeOverHalfItsMemoryLimitIsSampledAtEveryTickHoweverStill() {
    SampleCadence cadence = new SampleCadence();
    assertThat(sampledTicks(cadence, 6, true, 600L << 20, 10)).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void aSampleThatFindsTheTreeAwakeBringsItBackToEveryTick() {
    SampleCadence cadence = new SampleCadence();
    sampledTicks(cadence, 10, true, 10 << 20, 10);
    int tick = 0;
    while (!cadence.isDue(false)) {
      tick++;
      assertThat(tick).as("ticks to the next sample of a quiet tree").isLessThan(8);
    }
    cadence.noteSample(false, 10 << 20, LIMIT, 10, MAX_PROCESSES);
    assertThat(cadence.isQuiet()).isFalse();
    assertThat(cadence.isDue(false)).isTrue();
    assertThat(cadence.isDue(false)).isTrue();
  }

  @Test
  void aPoolThatNeedsFreshFiguresHasTheQuietTreeSampledAtEveryTick() {
    SampleCadence cadence = new SampleCadence();
    sampledTicks(cadence, 4, true, 10 << 20, 10);
    assertThat(cadence.isQuiet()).isTrue();
    for (int i = 0; i < 4; i++) {
      assertThat(cadence.isDue(true)).isTrue();
    }
  }

  /**
   * Runs {@code ticks} ticks; each sample notes the same figures ({@code still} as given). Returns
   * the ticks, counted from 1, that sampled the tree.
   */
  private static List<Integer> sampledTicks(
      SampleCadence cadence, int ticks, boolean still, long bytes, int processes) {
    List<Integer> sampled = new ArrayList<>();
    for (int tick = 1; tick <= ticks; tick++) {
      if (cadence.isDue(false)) {
        sampled.add(tick);
        cadence.noteSample(still, bytes, LIMIT, processes, MAX_PROCESSES);
      }
    }
    return sampled;
  }
}
