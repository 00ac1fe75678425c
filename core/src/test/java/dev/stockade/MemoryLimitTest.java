package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Whole-tree memory limits as the housekeeper enforces them where trees run without cgroups: the
 * sampled meter, summed RSS screening and PSS deciding ({@link MemoryAccounting}). The pools here
 * are told {@code cgroupMode(NONE)}, so they test that path on any machine; the kernel's own cap,
 * in a cgroup, is {@code CgroupContainmentTest}'s. {@code dd bs=60M} reads /dev/zero into a 60 MB
 * buffer, touching every page, and holds it while it runs: a process of about 60 MB of private
 * memory.
 */
@ExtendWith(NoLeakedProcesses.class)
class MemoryLimitTest {
  private static final MemorySize LIMIT = MemorySize.ofMebibytes(150);

  private static CommandPool pool(MemoryAccounting accounting) {
    return CommandPool.builder()
        .workers(2)
        .memoryLimit(LIMIT)
        .memoryAccounting(accounting)
        .cgroupMode(CgroupMode.NONE)
        .sampleInterval(Duration.ofMillis(50))
        .taskTimeout(Duration.ofSeconds(30))
        .terminationGrace(Duration.ofSeconds(1))
        .build();
  }

  /** A script of four {@code dd} of 60 MB each, {@code marker} naming their buffer and count. */
  private static String fourSixtyMegabyteHogs(String marker) {
    return "for i in 1 2 3 4; do dd if=/dev/zero of=/dev/null status=none "
        + marker
        + " & done; wait";
  }

  @Test
  void endsATreeOfFourSixtyMegabyteChildrenUnderAHundredFiftyMegabyteLimit() throws Exception {
    String marker = "bs=60M count=10000" + TestProcesses.uniqueSleepSeconds().substring(5);
    try (CommandPool pool = pool(MemoryAccounting.RSS_SCREENED_PSS)) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  pool.run(
                          Command.of("sh", "-c", fourSixtyMegabyteHogs(marker))
                              .withLabel("four-hogs"))
                      .get(20, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(MemoryLimitExceededException.class);
      MemoryLimitExceededException breach = (MemoryLimitExceededException) e.getCause();
      assertThat(breach.limit()).isEqualTo(LIMIT);
      assertThat(breach.observed()).isGreaterThan(LIMIT);
      assertThat(breach.metric()).isEqualTo(MemoryMetric.PSS);
      assertThat(breach.details().peakProcessCount()).isGreaterThanOrEqualTo(4);
      assertThat(breach.details().peakMemory())
          .isGreaterThan(LIMIT)
          .as("the figure the message gives")
          .isEqualTo(breach.observed());
      assertThat(breach.getMessage())
          .contains("four-hogs")
          .contains("past its memory limit of 150.0 MiB")
          .contains("used " + breach.observed());
    }
  }

  @Test
  void endsATreeThatGrewPastTheLimitAfterIdlingLongEnoughToBeSampledLessOften() throws Exception {
    String marker = "bs=60M count=10000" + TestProcesses.uniqueSleepSeconds().substring(5);
    try (CommandPool pool = pool(MemoryAccounting.RSS_SCREENED_PSS)) {
      // A second of sleep is twenty quiet samples: the tree is then sampled one tick in four.
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  pool.run(Command.of("sh", "-c", "sleep 1; " + fourSixtyMegabyteHogs(marker)))
                      .get(20, TimeUnit.SECONDS));

      assertThat(e.getCause()).isInstanceOf(MemoryLimitExceededException.class);
    }
  }

  @Test
  void letsOneSixtyMegabyteProcessUnderTheSameLimitComplete() throws Exception {
    try (CommandPool pool = pool(MemoryAccounting.RSS_SCREENED_PSS)) {
      CommandResult r =
          pool.run(
                  Command.of(
                      "dd", "if=/dev/zero", "of=/dev/null", "bs=60M", "count=800", "status=none"))
              .get(20, TimeUnit.SECONDS);
      assertThat(r.exitStatus().exitCode()).hasValue(0);
      assertThat(r.peakMemory()).isGreaterThan(MemorySize.ofMebibytes(50)).isLessThan(LIMIT);
    }
  }

  /**
   * Eight bash subshells share the 60 MB heap of their parent copy-on-write: summed RSS is about
   * 540 MB, summed PSS about 60 MB. Screening with RSS and confirming with PSS keeps the tree
   * alive; RSS alone would end it.
   */
  private static final String SHARED_TREE =
      "x=$(head -c 30000000 /dev/zero | tr '\\0' a); "
          + "for i in 1 2 3 4 5 6 7 8; do ( sleep 2; : ) & done; wait";

  @Test
  void doesNotEndATreeWhoseSharedPagesOnlyLookLargeBySummedRss() throws Exception {
    TestProcesses.requireProgram("bash");
    try (CommandPool pool = pool(MemoryAccounting.RSS_SCREENED_PSS)) {
      CommandResult r = pool.run(Command.of("bash", "-c", SHARED_TREE)).get(20, TimeUnit.SECONDS);
      assertThat(r.exitStatus().exitCode()).hasValue(0);
      assertThat(r.peakMetric()).isEqualTo(MemoryMetric.PSS);
      assertThat(r.peakMemory()).isLessThan(LIMIT);
    }
  }

  @Test
  void endsTheSameSharedTreeWhenSummedRssDecides() throws Exception {
    TestProcesses.requireProgram("bash");
    try (CommandPool pool = pool(MemoryAccounting.RSS)) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> pool.run(Command.of("bash", "-c", SHARED_TREE)).get(20, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(MemoryLimitExceededException.class);
      assertThat(((MemoryLimitExceededException) e.getCause()).metric())
          .isEqualTo(MemoryMetric.RSS);
    }
  }

  @Test
  void appliesAPerCommandMemoryLimitOverThePoolLimit() throws Exception {
    try (CommandPool pool = pool(MemoryAccounting.RSS_SCREENED_PSS)) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  pool.run(
                          Command.of(
                                  "dd",
                                  "if=/dev/zero",
                                  "of=/dev/null",
                                  "bs=60M",
                                  "count=100000",
                                  "status=none")
                              .withMemoryLimit(MemorySize.ofMebibytes(30)))
                      .get(20, TimeUnit.SECONDS));
      assertThat(((MemoryLimitExceededException) e.getCause()).limit())
          .isEqualTo(MemorySize.ofMebibytes(30));
    }
  }
}
