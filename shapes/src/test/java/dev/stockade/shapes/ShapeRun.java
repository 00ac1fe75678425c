package dev.stockade.shapes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.MarkedProcesses;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The launch-shape application started one way, with a marker of its own in its environment:
 * everything it prints (stdout and stderr, its workers' stderr logged through it) is kept.
 */
final class ShapeRun implements AutoCloseable {
  final String marker = UUID.randomUUID().toString();
  final List<String> output = new CopyOnWriteArrayList<>();
  private final Process process;

  /** When it was started, in the clock of /proc/PID/stat start times. */
  private final long startedAt = ProcessList.uptimeTicks();

  private ShapeRun(List<String> command, Path directory, Map<String, String> environment) {
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).directory(directory.toFile());
    builder.environment().putAll(environment);
    builder.environment().put(MarkedProcesses.VARIABLE, marker);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  // Maven colours its output even in batch mode: the escapes are not the
                  // application's.
                  output.add(line.replaceAll("\u001B\\[[0-9;]*m", ""));
                }
              } catch (IOException e) {
                // killed
              }
            },
            "shape-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} in {@code directory} and waits for its READY. */
  static ShapeRun start(Path directory, List<String> command) {
    return start(directory, command, Map.of());
  }

  /** Starts {@code command} in {@code directory}, with more environment, and waits for READY. */
  static ShapeRun start(Path directory, List<String> command, Map<String, String> environment) {
    ShapeRun run = new ShapeRun(command, directory, environment);
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> run.output.contains("READY") || !run.process.isAlive());
    assertThat(run.output).as("the application's output").contains("READY");
    return run;
  }

  /** The value of the first line that starts with {@code KEY }. */
  String line(String key) {
    return output.stream()
        .filter(l -> l.startsWith(key + " "))
        .findFirst()
        .map(l -> l.substring(key.length() + 1))
        .orElse("(no " + key + " line)");
  }

  long pid() {
    return process.pid();
  }

  /**
   * Checks the application's worker JVMs, watchdog and command tree are alive, SIGKILLs the
   * application, and checks nothing carrying its marker is left 2 s later.
   */
  void killAndExpectNothingLeft() {
    List<String> before = MarkedProcesses.live(marker);
    assertThat(before)
        .as("its JVM workers, by their command line")
        .filteredOn(p -> p.contains("-Dshapes.marker=" + marker))
        .hasSize(2);
    assertThat(before)
        .as("its lifeline's watchdog")
        .anyMatch(
            p ->
                p.contains("dev.stockade.internal.lifeline.Watchdog")
                    && p.contains(" " + pid() + " "));
    assertThat(before)
        .as("its command tree: the shell's sleep and the daemon's")
        .filteredOn(p -> p.endsWith(" sleep 3600"))
        .hasSize(2);

    long killedAt = System.nanoTime();
    process.destroyForcibly(); // SIGKILL: no shutdown hook runs
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> MarkedProcesses.live(marker).isEmpty());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertThat(tookMillis)
        .as("everything it started gone within 2 s of its SIGKILL; its " + "output: %s", output)
        .isLessThanOrEqualTo(2000);
    // Its orphans, dead now, were handed to this JVM (a child subreaper, see
    // NoLeakedProcesses); no pool runs in this JVM, so what started since the application is
    // the application's: its watchdog, workers and trees, and a helper it was starting.
    NoLeakedProcesses.reapWhatStartedSince(startedAt, Duration.ofSeconds(5));
  }

  @Override
  public void close() {
    process.destroyForcibly();
    for (String p : MarkedProcesses.live(marker)) {
      ProcessHandle.of(Long.parseLong(p.substring(0, p.indexOf(' '))))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /**
   * {@code path} if it exists; otherwise skips the test with a visible reason — except under {@code
   * CI=true}, where its absence fails the test.
   */
  static Path require(Path path, String what) {
    if (Files.isExecutable(path) || Files.isRegularFile(path)) {
      return path;
    }
    String reason = what + " is not installed (" + path + ")";
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError(reason + "; CI must install it");
    }
    Assumptions.abort(reason);
    return path;
  }

  /** The program {@code name} on PATH, or a skip (a failure under {@code CI=true}). */
  static Path requireOnPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":", -1)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return require(Path.of("/usr/bin", name), name);
  }
}
