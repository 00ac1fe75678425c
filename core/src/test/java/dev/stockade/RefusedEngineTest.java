package dev.stockade;

import static dev.stockade.FailedBuildTest.runtimeDirectoriesOf;
import static dev.stockade.FailedBuildTest.threadsOf;
import static dev.stockade.FailedBuildTest.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pool whose engine refuses to start, past every check of its builder, leaves nothing: no thread,
 * no runtime directory. The engine starts its threads only once it is whole, and the builder
 * removes the directory it wrote. A cgroup version the machine lacks is such a refusal; on a
 * machine with both (this suite's usual host), the cgroup v2 VM runs it.
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
class RefusedEngineTest {

  @Test
  void aPythonWorkerPoolWhoseEngineCannotStartLeavesNoThreadNoHookAndNoRuntimeDirectory()
      throws IOException {
    // Past every check of the builder: the engine itself refuses a cgroup version the machine
    // does not have, after the runtime directory was written.
    CgroupMode unusable =
        Stream.of(CgroupMode.V2, CgroupMode.V1)
            .filter(
                mode -> {
                  try {
                    CgroupProbe.select(mode);
                    return false;
                  } catch (IllegalArgumentException refused) {
                    return true;
                  }
                })
            .findFirst()
            .orElse(null);
    Assumptions.assumeTrue(unusable != null, "both cgroup versions are usable here");
    String name = uniqueName("engine-refused");
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .name(name)
                    .pythonWorker(
                        Path.of(TestProcesses.resource("workers/python/conformance_worker.py")))
                    .cgroupMode(unusable)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cgroupMode");
    assertThat(runtimeDirectoriesOf(name)).isEmpty();
    assertThat(threadsOf(name)).isEmpty();
  }
}
