package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Reading a cgroup file's words and lines, and one value of a flat keyed file ({@code memory.stat},
 * {@code memory.events}).
 */
class CgroupFilesParsingTest {
  private static final String OOM_CONTROL = "oom_kill_disable 0\nunder_oom 1\noom_kill 3\n";

  @Test
  void findsTheLineOfTheKeyAndNotALongerKeyThatStartsWithIt() {
    assertThat(CgroupFiles.keyedValue(OOM_CONTROL, "oom_kill")).hasValue(3);
    assertThat(CgroupFiles.keyedValue(OOM_CONTROL, "oom_kill_disable")).hasValue(0);
    assertThat(CgroupFiles.keyedValue(OOM_CONTROL, "under_oom")).hasValue(1);
  }

  @Test
  void isEmptyForAKeyThatIsAbsentOrOnlyTheEndOfAnother() {
    assertThat(CgroupFiles.keyedValue(OOM_CONTROL, "kill")).isEqualTo(OptionalLong.empty());
    assertThat(CgroupFiles.keyedValue(OOM_CONTROL, "oom")).isEqualTo(OptionalLong.empty());
    assertThat(CgroupFiles.keyedValue("", "oom_kill")).isEqualTo(OptionalLong.empty());
  }

  @Test
  void readsTheLastLineWithoutANewlineAndLinesWithSurroundingBlanks() {
    assertThat(CgroupFiles.keyedValue("a 1\n  inactive_file 4096  \nb 2", "inactive_file"))
        .hasValue(4096);
    assertThat(CgroupFiles.keyedValue("a 1\nb 2", "b")).hasValue(2);
  }

  @Test
  void skipsALineWhoseValueIsNotANumber() {
    assertThat(CgroupFiles.keyedValue("max x\nmax 7\n", "max")).hasValue(7);
    assertThat(CgroupFiles.keyedValue("max \n", "max")).isEqualTo(OptionalLong.empty());
  }

  @Test
  void splitsAFileIntoTrimmedWordsLeavingBlanksOut() {
    assertThat(CgroupFiles.words("cpuset cpu  io memory\n", " "))
        .containsExactly("cpuset", "cpu", "io", "memory");
    assertThat(CgroupFiles.lines(" 12\n\n34 \n")).containsExactly("12", "34");
    assertThat(CgroupFiles.lines("")).isEmpty();
  }
}
