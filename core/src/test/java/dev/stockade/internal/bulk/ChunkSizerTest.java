package dev.stockade.internal.bulk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How many inputs a bulk call puts in each chunk, decided from what came back; no processes. */
class ChunkSizerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void cutsAKnownLengthAsMultiprocessingDoes() {
    assertThat(ChunkSizer.forLength(200_000, 2).next()).isEqualTo(25_000);
    assertThat(ChunkSizer.forLength(1_001, 2).next()).isEqualTo(126);
    assertThat(ChunkSizer.forLength(3, 4).next()).isEqualTo(1);
    assertThat(ChunkSizer.forLength(0, 4).next()).isEqualTo(1);
  }

  @Test
  void keepsAFixedSizeWhateverComesBack() {
    ChunkSizer sizer = ChunkSizer.fixed(7);
    sizer.answered(7, 1, 0, 0);
    sizer.answered(7, 7, 600 * MS, 6);
    assertThat(sizer.next()).isEqualTo(7);
  }

  @Test
  void doublesWhileChunksComeBackInOneFrameUpToItsCeiling() {
    ChunkSizer sizer = ChunkSizer.adaptive();
    assertThat(sizer.next()).isEqualTo(1);
    for (int i = 0; i < 20; i++) {
      sizer.answered(sizer.next(), 1, 0, 0);
    }
    assertThat(sizer.next()).isEqualTo(ChunkSizer.MOST);
  }

  @Test
  void aimsAtTwentyMillisecondsOnceInputsAreSeenToTakeLonger() {
    ChunkSizer sizer = ChunkSizer.adaptive();
    for (int i = 0; i < 6; i++) {
      sizer.answered(sizer.next(), 1, 0, 0);
    }
    assertThat(sizer.next()).isEqualTo(64);
    // 64 inputs over several frames, the last 48 of them in 240 ms: 5 ms an input.
    sizer.answered(64, 4, 240 * MS, 48);
    assertThat(sizer.next()).isEqualTo(4);
  }

  @Test
  void sendsSlowInputsOneAtATimeAndDoesNotGrowPastTheTarget() {
    ChunkSizer sizer = ChunkSizer.adaptive();
    sizer.answered(1, 1, 0, 0);
    assertThat(sizer.next()).isEqualTo(2);
    sizer.answered(2, 2, 1_000 * MS, 1); // a second an input
    assertThat(sizer.next()).isEqualTo(1);
    sizer.answered(1, 1, 0, 0); // one frame, but a second an input is known: stay
    assertThat(sizer.next()).isEqualTo(1);
  }

  @Test
  void doesNotGrowOnAShortLastChunk() {
    ChunkSizer sizer = ChunkSizer.adaptive();
    sizer.answered(1, 1, 0, 0);
    sizer.answered(2, 1, 0, 0);
    assertThat(sizer.next()).isEqualTo(4);
    sizer.answered(3, 1, 0, 0); // the source ran dry: says nothing about a larger chunk
    assertThat(sizer.next()).isEqualTo(4);
  }
}
