package dev.stockade.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.MemoryMetric;
import dev.stockade.MemorySize;
import dev.stockade.ProcessLimitExceededException;
import dev.stockade.WorkerDetails;
import dev.stockade.internal.os.TreeMeter;
import org.junit.jupiter.api.Test;

/**
 * A process limit's exception says which of the two enforced it: the pool's count, with the count,
 * or the kernel's {@code pids.max}, with no count and the limit it applied.
 */
class EndFailuresTest {
  private static final WorkerDetails DETAILS =
      new WorkerDetails(
          "pool", "w1", "forker", 4242, 73, MemorySize.ofMebibytes(3), MemoryMetric.PSS, null, "");

  @Test
  void aCountPastTheLimitIsReportedWithTheCount() {
    TreeMeter.Reading counted =
        new TreeMeter.Reading(3L << 20, MemoryMetric.PSS, 3L << 20, 73, true);

    ProcessLimitExceededException e = EndFailures.processLimit("forker", 50, counted, DETAILS);

    assertThat(e.refusedByKernel()).isFalse();
    assertThat(e.observed()).hasValue(73);
    assertThat(e.limit()).isEqualTo(50);
    assertThat(e.getMessage())
        .startsWith(
            "task 'forker' ran 73 processes in its tree, past its" + " limit of 50 (maxProcesses)");
  }

  @Test
  void aForkTheKernelRefusedIsReportedWithoutACountAndNamesPidsMax() {
    TreeMeter.Reading refused =
        new TreeMeter.Reading(3L << 20, MemoryMetric.CGROUP, 0, 2, true, true);

    ProcessLimitExceededException e = EndFailures.processLimit("forker", 2, refused, DETAILS);

    assertThat(e.refusedByKernel()).isTrue();
    assertThat(e.observed()).isEmpty();
    assertThat(e.limit()).isEqualTo(2);
    assertThat(e.getMessage())
        .contains("pids.max = 64 processes and threads, for maxProcesses 2")
        .contains("the kernel refused a fork");
  }
}
