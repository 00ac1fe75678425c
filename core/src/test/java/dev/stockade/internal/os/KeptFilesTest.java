package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.NoLeakedProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A kernel-rendered file read through a kept descriptor reads as it is now, every time. */
@ExtendWith(NoLeakedProcesses.class)
class KeptFilesTest {
  private static final Path LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

  @Test
  void eachReadShowsTheFileAsTheKernelRendersItNow() throws Exception {
    try (KeptFiles files = new KeptFiles()) {
      String first = files.read(LAST_PID);

      Process p = new ProcessBuilder("true").start();
      p.waitFor();

      String second = files.read(LAST_PID);
      assertThat(files.openCount()).isEqualTo(DirectLibc.AVAILABLE ? 1 : 0);
      assertThat(second).isNotEqualTo(first);
      assertThat(Long.parseLong(second.trim())).isGreaterThanOrEqualTo(p.pid());
    }
  }

  @Test
  void aFileLargerThanTheFirstBufferIsReadWhole() throws Exception {
    Path maps = Path.of("/proc/self/maps"); // a JVM's map list is far longer than 4 KiB
    try (KeptFiles files = new KeptFiles()) {
      String content = files.read(maps);

      // Its last line ([vsyscall] on x86-64) is the same as an ordinary read's.
      String ordinary = Files.readString(maps, StandardCharsets.US_ASCII);
      assertThat(content.length()).isGreaterThan(4096);
      assertThat(lastLine(content)).isEqualTo(lastLine(ordinary));
    }
  }

  private static String lastLine(String content) {
    String[] lines = content.split("\n", -1);
    return lines[lines.length - 2];
  }

  @Test
  void closingReleasesEveryDescriptorAndLaterReadsKeepNone() throws Exception {
    KeptFiles files = new KeptFiles();
    files.read(LAST_PID);

    files.close();

    assertThat(files.openCount()).isZero();
    assertThat(files.read(LAST_PID).trim())
        .isEqualTo(Files.readString(LAST_PID, StandardCharsets.US_ASCII).trim());
    assertThat(files.openCount()).isZero();
  }
}
