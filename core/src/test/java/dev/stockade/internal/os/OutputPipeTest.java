package dev.stockade.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The read end of an output pipe, with either launcher: it knows its pipe, the processes holding
 * the write end are found by it, and a reader blocked on it can be released although a process
 * still holds the write end. Read without blocking, it hands over what it holds at once, wakes a
 * thread awaiting input, and wakes nobody while waking is paused.
 */
@ExtendWith(NoLeakedProcesses.class)
class OutputPipeTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  static Stream<ProcessLauncher> launchers() {
    return PosixSpawnLauncher.isAvailable()
        ? Stream.of(new PosixSpawnLauncher(), new JdkProcessLauncher())
        : Stream.of(new JdkProcessLauncher());
  }

  /** One of the two ways to read a pipe without blocking. */
  interface ReadWithoutBlocking {
    int read(OutputPipe pipe, byte[] into, int offset, int length) throws IOException;
  }

  static Stream<Arguments> launchersAndReads() {
    return launchers()
        .flatMap(
            launcher ->
                Stream.of(
                    Arguments.of(
                        launcher, Named.of("readNow", (ReadWithoutBlocking) OutputPipe::readNow)),
                    Arguments.of(
                        launcher,
                        Named.of("readIfReady", (ReadWithoutBlocking) OutputPipe::readIfReady))));
  }

  private SpawnedProcess sleeper(ProcessLauncher launcher, String seconds) throws IOException {
    return launcher.launch(
        new LaunchSpec(
            Path.of("/bin/sleep"),
            List.of("sleep", seconds),
            System.getenv(),
            null,
            true,
            true,
            false),
        threads);
  }

  private static void end(SpawnedProcess p) throws Exception {
    Signals.send(ProcFs.readStat(p.pid()).identity(), Signal.KILL);
    p.exit().get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void knowsThePipeTheChildWritesTo(ProcessLauncher launcher) throws Exception {
    SpawnedProcess p = sleeper(launcher, TestProcesses.uniqueSleepSeconds());
    try {
      assertThat(p.outputPipes()).hasSize(2);
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/1")).toString())
          .isEqualTo("pipe:[" + p.outputPipes().get(0).inode() + "]");
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/2")).toString())
          .isEqualTo("pipe:[" + p.outputPipes().get(1).inode() + "]");
    } finally {
      end(p);
    }
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void findsTheProcessHoldingTheWriteEndAndNotOneHoldingOnlyAReadEnd(ProcessLauncher launcher)
      throws Exception {
    SpawnedProcess writer = sleeper(launcher, TestProcesses.uniqueSleepSeconds());
    long inode = writer.outputPipes().get(0).inode();
    String marker = TestProcesses.uniqueSleepSeconds();
    // Opening a pipe through /proc for reading gives a read end of it.
    Process reader =
        new ProcessBuilder(
                "sh", "-c", "exec 3</proc/" + writer.pid() + "/fd/1; exec sleep " + marker)
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !TestProcesses.liveWithCommandLine("sleep " + marker).isEmpty());

      List<PipeHolders.Holder> holders = PipeHolders.find(Set.of(inode));

      assertThat(holders).extracting(h -> h.process().pid()).containsExactly(writer.pid());
      assertThat(holders.get(0).descriptors()).containsExactly(1);
    } finally {
      reader.destroyForcibly();
      end(writer);
    }
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void releasesAReaderBlockedOnAPipeAnotherProcessStillHolds(ProcessLauncher launcher)
      throws Exception {
    SpawnedProcess p = sleeper(launcher, TestProcesses.uniqueSleepSeconds());
    OutputPipe stdout = p.outputPipes().get(0);
    try {
      CompletableFuture<Throwable> reading =
          CompletableFuture.supplyAsync(
              () -> {
                try (InputStream in = stdout) {
                  return new AssertionError("read returned " + in.read(new byte[10]));
                } catch (IOException e) {
                  return e;
                }
              },
              threads);
      await().atMost(Duration.ofSeconds(5)).until(() -> readerIsBlocked());

      stdout.abandon();

      assertThat(reading.get(5, TimeUnit.SECONDS))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("stopped reading pipe:[" + stdout.inode() + "]");
      assertThat(ProcFs.readStat(p.pid()).isEnded()).as("the writer, still alive").isFalse();
    } finally {
      end(p);
    }
  }

  private SpawnedProcess echo(ProcessLauncher launcher) throws IOException {
    return launcher.launch(
        new LaunchSpec(
            Path.of("/bin/cat"), List.of("cat"), System.getenv(), null, true, true, true),
        threads);
  }

  /** Reads without blocking until {@code expected} bytes came, and returns them as text. */
  private static String readNowUntil(OutputPipe pipe, int expected) {
    return readUntil(pipe, OutputPipe::readNow, expected);
  }

  private static String readUntil(OutputPipe pipe, ReadWithoutBlocking read, int expected) {
    byte[] got = new byte[expected];
    int[] filled = {0};
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              int n = read.read(pipe, got, filled[0], expected - filled[0]);
              filled[0] += Math.max(0, n);
              return filled[0] == expected;
            });
    return new String(got, StandardCharsets.US_ASCII);
  }

  @ParameterizedTest
  @MethodSource("launchersAndReads")
  void readsWithoutBlockingWhatThePipeHoldsNowAndSaysWhenItEnded(
      ProcessLauncher launcher, ReadWithoutBlocking read) throws Exception {
    SpawnedProcess p = echo(launcher);
    OutputPipe stdout = p.outputPipes().get(0);
    try {
      assertThat(stdout.readWithoutBlocking()).isTrue();
      assertThat(read.read(stdout, new byte[8], 0, 8)).as("an empty pipe").isZero();

      p.stdin().write("abc".getBytes(StandardCharsets.US_ASCII));
      p.stdin().flush();
      assertThat(readUntil(stdout, read, 3)).isEqualTo("abc");

      p.stdin().close(); // cat exits, and the pipe ends
      await().atMost(Duration.ofSeconds(5)).until(() -> read.read(stdout, new byte[8], 0, 8) == -1);
      assertThat(p.exit().get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      if (!p.exit().isDone()) {
        end(p);
      }
      stdout.close();
    }
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void wakesTheThreadAwaitingInputWhenInputComes(ProcessLauncher launcher) throws Exception {
    SpawnedProcess p = echo(launcher);
    OutputPipe stdout = p.outputPipes().get(0);
    try {
      assertThat(stdout.readWithoutBlocking()).isTrue();
      CompletableFuture<Void> waiting = awaitReadableOn(stdout);

      p.stdin().write('x');
      p.stdin().flush();

      waiting.get(5, TimeUnit.SECONDS);
      assertThat(readNowUntil(stdout, 1)).isEqualTo("x");
    } finally {
      end(p);
      stdout.close();
    }
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void inputWhileWakingIsPausedWakesNobodyUntilWakingResumes(ProcessLauncher launcher)
      throws Exception {
    SpawnedProcess p = echo(launcher);
    OutputPipe stdout = p.outputPipes().get(0);
    try {
      assertThat(stdout.readWithoutBlocking()).isTrue();
      stdout.pauseWaking();
      CompletableFuture<Void> waiting = awaitReadableOn(stdout);

      p.stdin().write('x');
      p.stdin().flush();
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !waiting.isDone());

      stdout.resumeWaking(); // the input is there: it wakes the waiting thread at once
      waiting.get(5, TimeUnit.SECONDS);
      assertThat(readNowUntil(stdout, 1)).isEqualTo("x");
    } finally {
      end(p);
      stdout.close();
    }
  }

  @ParameterizedTest
  @MethodSource("launchers")
  void abandoningReleasesTheThreadAwaitingInput(ProcessLauncher launcher) throws Exception {
    SpawnedProcess p = sleeper(launcher, TestProcesses.uniqueSleepSeconds());
    OutputPipe stdout = p.outputPipes().get(0);
    try {
      assertThat(stdout.readWithoutBlocking()).isTrue();
      CompletableFuture<Void> waiting = awaitReadableOn(stdout);
      CompletableFuture<Integer> reading =
          waiting.thenApply(
              woken -> {
                try {
                  return stdout.readNow(new byte[8], 0, 8);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });

      stdout.abandon();

      assertThatThrownBy(() -> reading.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("stopped reading pipe:[" + stdout.inode() + "]");
    } finally {
      end(p);
      stdout.close();
    }
  }

  private CompletableFuture<Void> awaitReadableOn(OutputPipe pipe) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            pipe.awaitReadable();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        threads);
  }

  /** A thread of this test's pool is inside a native read of a file stream. */
  private static boolean readerIsBlocked() {
    return Thread.getAllStackTraces().values().stream()
        .anyMatch(
            stack ->
                stack.length > 0
                    && stack[0].getMethodName().startsWith("readBytes")
                    && stack[0].getClassName().equals("java.io.FileInputStream"));
  }
}
