package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a census tells a tree about the processes that arrived since it last looked. */
@ExtendWith(NoLeakedProcesses.class)
class ProcessCensusTest {
  /** The whole table: a test's processes may have pids below this JVM's, after a wrap-around. */
  private static final long FLOOR = 1;

  private final ProcessCensus census = new ProcessCensus(new TagIndex());
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void endStarted() throws InterruptedException {
    census.close();
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  private Process startSleep() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    started.add(p);
    return p;
  }

  @Test
  void theFirstLookCannotTellWhatArrived() {
    ProcessTable.Arrivals arrivals = census.tick(FLOOR).arrivalsSince(-1);

    assertThat(arrivals.isKnown()).isFalse();
  }

  @Test
  void aProcessStartedAfterALookArrivesInALaterGeneration() throws Exception {
    long seen = census.tick(FLOOR).arrivalsSince(-1).generation();
    Process sleep = startSleep();

    ProcessTable.Arrivals arrivals = census.tick(FLOOR).arrivalsSince(seen);

    assertThat(arrivals.isKnown()).isTrue();
    assertThat(arrivals.generation()).isGreaterThan(seen);
    assertThat(arrivals.processes()).extracting(ProcessInfo::pid).contains(sleep.pid());
  }

  @Test
  void aProcessArrivesOnceForATreeThatAlreadyLookedAfterIt() throws Exception {
    long before = census.tick(FLOOR).arrivalsSince(-1).generation();
    Process sleep = startSleep();
    long after = census.tick(FLOOR).arrivalsSince(before).generation();

    ProcessTable.Arrivals later = census.tick(FLOOR).arrivalsSince(after);

    assertThat(later.isKnown()).isTrue();
    assertThat(later.processes()).extracting(ProcessInfo::pid).doesNotContain(sleep.pid());
  }

  @Test
  void aTreeThatMissedMoreGenerationsThanAreKeptIsToldTheArrivalsAreUnknown() throws Exception {
    long seen = census.tick(FLOOR).arrivalsSince(-1).generation();
    for (int i = 0; i <= ProcessCensus.HISTORY; i++) {
      long before = census.generation();
      startSleep();
      assertThat(census.tick(FLOOR).arrivalsSince(before).generation()).isGreaterThan(before);
    }

    assertThat(census.tick(FLOOR).arrivalsSince(seen).isKnown()).isFalse();
  }

  @Test
  void onceInAPeriodEveryProcessArrivesAgainForEveryTreeWhateverTickItLooksAt() throws Exception {
    Process sleep = startSleep();
    long everyTick = census.tick(FLOOR).arrivalsSince(-1).generation();
    // A tree sampled less often: it looks a few ticks before the periodic look (the census's
    // 64th), and again only after it — fewer generations apart than the census keeps.
    long rarely = -1;
    boolean seenAgain = false;
    for (int i = 0; i < ProcessCensus.FULL_LOOK_EVERY; i++) {
      if (i == ProcessCensus.FULL_LOOK_EVERY - 8) {
        rarely = everyTick;
      }
      ProcessTable.Arrivals arrivals = census.tick(FLOOR).arrivalsSince(everyTick);
      assertThat(arrivals.isKnown()).as("arrivals at look %d", i).isTrue();
      seenAgain |= arrivals.processes().stream().anyMatch(p -> p.pid() == sleep.pid());
      everyTick = arrivals.generation();
    }
    assertThat(seenAgain).as("the sleep, started before the first look, arrived again").isTrue();

    ProcessTable.Arrivals late = census.tick(FLOOR).arrivalsSince(rarely);

    assertThat(late.isKnown()).isTrue();
    assertThat(late.processes()).extracting(ProcessInfo::pid).contains(sleep.pid());
  }

  @Test
  void afterIdlingNoEarlierGenerationIsKnown() throws Exception {
    long seen = census.tick(FLOOR).arrivalsSince(-1).generation();
    startSleep();
    census.tick(FLOOR).arrivalsSince(seen);

    census.idle();

    assertThat(census.tick(FLOOR).arrivalsSince(seen).isKnown()).isFalse();
  }
}
