package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedProcesses.class)
class CachedStatReaderTest {
  /**
   * The first read is compared with a fresh one while the process is stopped, so both describe one
   * state of it (a running shell, still loading, changes its figures between two reads); then the
   * process runs again and the kept descriptor sees it.
   */
  @Test
  void readsFreshFiguresThroughAKeptDescriptor() throws Exception {
    Process spinner = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try (CachedStatReader reader = new CachedStatReader()) {
      ProcessInfo started = ProcFs.readStat(spinner.pid());
      Signals.send(started.identity(), Signal.STOP);
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> ProcFs.readStat(spinner.pid()).state() == 'T');

      ProcessInfo first = reader.read(spinner.pid());
      assertThat(first).isEqualTo(ProcFs.readStat(spinner.pid()));
      assertThat(reader.openCount()).isEqualTo(1);

      Signals.send(first.identity(), Signal.CONT);
      await().atMost(Duration.ofSeconds(2)).until(() -> reader.read(spinner.pid()).state() != 'T');
      assertThat(reader.openCount()).isEqualTo(1);
    } finally {
      spinner.destroyForcibly();
      spinner.waitFor();
    }
  }

  @Test
  void forgetsAProcessOnceItIsReaped() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try (CachedStatReader reader = new CachedStatReader()) {
      assertThat(reader.read(sleeper.pid())).isNotNull();
      sleeper.destroyForcibly();
      sleeper.waitFor();
      assertThat(reader.read(sleeper.pid())).isNull();
      assertThat(reader.openCount()).isZero();
    }
  }

  @Test
  void closesDescriptorsOfPidsAScanNoLongerLists() throws Exception {
    try (CachedStatReader reader = new CachedStatReader()) {
      ProcessTable table = ProcessTable.scan(1, reader);
      assertThat(reader.openCount()).isEqualTo(table.size());
      reader.retainOnly(Set.of(ProcessHandle.current().pid()));
      assertThat(reader.openCount()).isEqualTo(1);
    }
  }
}
