package dev.stockade.internal.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.CgroupMode;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.Slowdown;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A JVM reads the memory its container allows, not the host's: checked from inside a real cgroup
 * with a limit, of each version where this machine has its memory controller (needs root; skipped
 * with the reason otherwise), and for this JVM as it runs.
 */
@Tag("cgroup")
@ExtendWith(NoLeakedProcesses.class)
@Timeout(30)
class OwnCgroupMemoryTest {
  private static final long THREE_GIB = 3L << 30;

  private final CgroupFixture fixture = new CgroupFixture();

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  @ParameterizedTest
  @EnumSource(names = {"V2", "V1"})
  void aJvmInsideAGroupWithALimitReadsThatLimit(CgroupMode mode) throws Exception {
    WorkerCgroup group = fixture.createWorker(fixture.require(mode, "memory"), "w1");
    group.setMemoryMax(THREE_GIB);

    Process child =
        fixture.start(
            group,
            ProcessBuilder.Redirect.PIPE,
            ProcessHandle.current().info().command().orElseThrow(),
            "-Xmx32m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            PrintOwnCgroupMemory.class.getName());
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(Slowdown.scaledSeconds(20), TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(output).isZero();

    Map<String, String> seen = keyValues(output);
    assertThat(Long.parseLong(seen.get("limit"))).isEqualTo(THREE_GIB);
    assertThat(seen.get("source"))
        .startsWith(sourceName(mode) + " /stockade/" + fixture.poolId + "/w1: limit 3.0 GiB");
    long used = Long.parseLong(seen.get("used"));
    assertThat(used).isPositive().isLessThan(THREE_GIB);
    assertThat(Long.parseLong(seen.get("available"))).isEqualTo(THREE_GIB - used);
  }

  /** How {@link OwnCgroupMemory} names a cgroup of {@code mode} in its readings. */
  static String sourceName(CgroupMode mode) {
    return mode == CgroupMode.V1 ? "cgroup v1 memory" : "cgroup v2";
  }

  @Test
  void thisJvmNeverReadsMoreThanTheHostHas() throws IOException {
    MemoryReading reading = OwnCgroupMemory.resolve().read();

    assertThat(reading.limitBytes()).isPositive().isLessThanOrEqualTo(hostMemTotal());
    assertThat(reading.usedBytes()).isBetween(0L, reading.limitBytes());
    assertThat(reading.availableBytes()).isBetween(0L, reading.limitBytes());
    assertThat(reading.source()).isNotBlank();
  }

  @Test
  void v2LimitIsTheLowestOfTheOwnGroupAndItsAncestors(@TempDir Path root) throws IOException {
    // The v2 file formats, laid out in a directory, with an ancestor's limit below the own.
    Path own = Files.createDirectories(root.resolve("outer/inner"));
    Files.writeString(root.resolve("outer/memory.max"), Long.toString(2L << 30));
    Files.writeString(own.resolve("memory.max"), "max\n");
    Files.writeString(own.resolve("memory.current"), Long.toString(600L << 20));
    Files.writeString(own.resolve("memory.stat"), "anon 1\ninactive_file " + (100L << 20) + "\n");
    CgroupMounts mounts =
        CgroupMounts.parse(
            "41 31 0:38 / " + root + " rw,relatime - cgroup2 cgroup2 rw\n", "0::/outer/inner\n");

    MemoryReading reading = OwnCgroupMemory.resolve(mounts).read();

    assertThat(reading.limitBytes()).isEqualTo(2L << 30);
    assertThat(reading.usedBytes()).isEqualTo(500L << 20);
    assertThat(reading.availableBytes()).isEqualTo((2L << 30) - (500L << 20));
    assertThat(reading.source()).isEqualTo("cgroup v2 /outer/inner: limit 2.0 GiB");
  }

  private static Map<String, String> keyValues(String output) {
    return output
        .lines()
        .filter(line -> line.contains("="))
        .collect(
            Collectors.toMap(
                line -> line.substring(0, line.indexOf('=')),
                line -> line.substring(line.indexOf('=') + 1)));
  }

  private static long hostMemTotal() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new AssertionError("no MemTotal in /proc/meminfo");
  }
}
