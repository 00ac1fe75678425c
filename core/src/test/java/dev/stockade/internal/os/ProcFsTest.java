package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProcFsTest {
  private static ProcessInfo parse(String line) {
    byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
    return ProcFs.parseStat(42, bytes, bytes.length);
  }

  private static final String TAIL = " 0 0 0 0 0 0 0 0 20 0 1 0 777 10000 55";

  @Test
  void parsesAStatLineWhoseCommandNameHoldsSpacesAndParentheses() {
    ProcessInfo p = parse("42 (we) ird (name)) S 7 8 9 34816 42 4194560" + TAIL + " 0 0");
    assertThat(p).isEqualTo(new ProcessInfo(42, 7, 8, 9, 'S', 777, 55, 0));
  }

  @Test
  void readsCpuTimeAsUserPlusSystemTicksWithoutChildren() {
    ProcessInfo p =
        parse(
            "42 (python3) R 7 8 9 0 -1 4194560 10 0 0 0 431 27 900 80 20 0 1 0"
                + " 777 10000 55 0 0");
    assertThat(p.cpuTicks()).isEqualTo(458);
    assertThat(p.state()).isEqualTo('R');
    assertThat(p.isStopped()).isFalse();
    assertThat(parse("42 (sleep) T 7 8 9 0 -1 4194560" + TAIL).isStopped()).isTrue();
  }

  @Test
  void parsesAZombie() {
    ProcessInfo p = parse("42 (sh) Z 1 42 42 0 -1 4194560" + TAIL);
    assertThat(p.isEnded()).isTrue();
    assertThat(p.ppid()).isEqualTo(1);
  }

  @Test
  void rejectsATruncatedLine() {
    assertThat(parse("42 (sh) S 1 42 42 0")).isNull();
    assertThat(parse("42 sh S")).isNull();
  }

  @Test
  void readsThisJvmsOwnStatEnvironmentAndPss() {
    long self = ProcessHandle.current().pid();
    ProcessInfo me = ProcFs.readStat(self);
    assertThat(me.pid()).isEqualTo(self);
    assertThat(me.rssPages()).isPositive();
    assertThat(me.startTime()).isPositive();
    assertThat(ProcFs.environmentValue(self, "PATH")).isEqualTo(System.getenv("PATH"));
    assertThat(ProcFs.environmentValue(self, "NO_SUCH_VARIABLE_STOCKADE")).isNull();
    assertThat(ProcFs.pssBytes(self)).isPositive();
  }

  @Test
  void findsAVariableOnlyByItsWholeName() {
    byte[] env = "AB=1\0A=2\0ABC=3\0".getBytes(StandardCharsets.US_ASCII);
    assertThat(ProcFs.findVariable(env, "A".getBytes(StandardCharsets.US_ASCII))).isEqualTo("2");
    assertThat(ProcFs.findVariable(env, "ABC".getBytes(StandardCharsets.US_ASCII))).isEqualTo("3");
    assertThat(ProcFs.findVariable(env, "B".getBytes(StandardCharsets.US_ASCII))).isNull();
  }

  @Test
  void scansTheWholeProcessTableIncludingThisJvm() {
    ProcessTable table = ProcessTable.scan();
    assertThat(table.get(ProcessHandle.current().pid())).isNotNull();
    assertThat(table.get(1)).isNotNull();
    assertThat(table.size()).isGreaterThan(1);
  }

  @Test
  void scansOnlyFromTheFloorPidUp() {
    long self = ProcessHandle.current().pid();
    ProcessTable table = ProcessTable.scan(self + 1);
    assertThat(table.get(self)).isNull();
    assertThat(table.all()).allMatch(p -> p.pid() > self);
    assertThat(ProcessTable.scan(self).get(self)).isNotNull();
  }
}
