package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedProcesses.class)
class SignalsTest {
  @Test
  void neverSignalsAPidWhoseStartTimeDiffers() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      ProcessInfo info = ProcFs.readStat(sleeper.pid());
      ProcessIdentity stale = new ProcessIdentity(info.pid(), info.startTime() - 1);

      assertThat(Signals.send(stale, Signal.KILL)).isEqualTo(Signals.Delivery.GONE);
      assertThat(sleeper.isAlive()).isTrue();

      assertThat(Signals.send(info.identity(), Signal.KILL)).isEqualTo(Signals.Delivery.SENT);
      await().atMost(Duration.ofSeconds(2)).until(() -> !sleeper.isAlive());
      assertThat(Signals.send(info.identity(), Signal.KILL)).isEqualTo(Signals.Delivery.GONE);
    } finally {
      sleeper.destroyForcibly();
    }
  }

  @Test
  void stopsAndContinuesAProcess() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      ProcessIdentity id = ProcFs.readStat(sleeper.pid()).identity();
      Signals.send(id, Signal.STOP);
      await().atMost(Duration.ofSeconds(2)).until(() -> ProcFs.readStat(id.pid()).state() == 'T');
      Signals.send(id, Signal.CONT);
      await().atMost(Duration.ofSeconds(2)).until(() -> ProcFs.readStat(id.pid()).state() == 'S');
    } finally {
      sleeper.destroyForcibly();
      sleeper.waitFor();
    }
  }
}
