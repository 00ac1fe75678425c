package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real headless Chromium (Debian's {@code chromium}): the browser hides the tag by rewriting its
 * helpers' environment, and its crashpad handlers double-fork into sessions of their own. None of
 * its processes may outlive the task, and its temporary directory must be gone.
 */
@ExtendWith(NoLeakedProcesses.class)
class ChromiumTeardownTest {
  private HttpServer server;
  private final AtomicInteger pageRequests = new AtomicInteger();
  private Set<Long> chromeBefore;

  @BeforeEach
  // An address literal: nothing is looked up, so there is no address to choose among.
  @SuppressWarnings("AddressSelection")
  void servePage() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          pageRequests.incrementAndGet();
          byte[] page =
              "<html><body><h1>stockade</h1></body></html>".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, page.length);
          exchange.getResponseBody().write(page);
          exchange.close();
        });
    server.start();
    chromeBefore = chromeProcesses();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private Command chromium() {
    String chromium = TestProcesses.requireProgram("chromium");
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    return Command.of(
            "sh",
            "-c",
            "exec "
                + chromium
                + " --headless --no-sandbox --disable-gpu"
                + " --disable-quic --no-first-run --disable-background-networking"
                + " --disable-component-update --disable-sync --remote-debugging-port=0"
                + " --user-data-dir=\"$TMPDIR/profile\" "
                + url)
        .withLabel("chromium");
  }

  /** A pool of one browser tree that reports the tree's TMPDIR to {@code tempDir}. */
  private static CommandPoolBuilder browserPool(AtomicReference<Path> tempDir) {
    return CommandPool.builder()
        .workers(1)
        .memoryLimit(MemorySize.ofGibibytes(2))
        .terminationGrace(Duration.ofSeconds(2))
        .listener(
            new PoolListener() {
              @Override
              public void workerStarted(WorkerEvent event) {
                tempDir.set(event.tempDirectory());
              }
            });
  }

  @Test
  void leavesNoChromeProcessAndNoTempDirectoryWhenTimedOut() throws Exception {
    AtomicReference<Path> tempDir = new AtomicReference<>();
    try (CommandPool pool = browserPool(tempDir).taskTimeout(Duration.ofSeconds(15)).build()) {
      CompletableFuture<CommandResult> future = pool.run(chromium());
      await().atMost(Duration.ofSeconds(12)).until(() -> pageRequests.get() > 0);
      assertThat(Files.isDirectory(tempDir.get().resolve("profile"))).isTrue();
      // The crashpad handlers double-fork into sessions of their own: the hardest to reach.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  newChromeProcesses().stream()
                      .anyMatch(p -> p.contains("chrome_crashpad_handler")));

      ExecutionException e =
          assertThrows(ExecutionException.class, () -> future.get(25, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(TaskTimeoutException.class);
      assertThat(((TaskTimeoutException) e.getCause()).details().peakProcessCount())
          .isGreaterThanOrEqualTo(5);
    }
    assertThat(newChromeProcesses()).isEmpty();
    assertThat(tempDir.get()).doesNotExist();
  }

  @Test
  void leavesNoChromeProcessAndNoTempDirectoryWhenThePoolIsClosed() throws Exception {
    AtomicReference<Path> tempDir = new AtomicReference<>();
    CompletableFuture<CommandResult> future;
    try (CommandPool pool = browserPool(tempDir).build()) {
      future = pool.run(chromium());
      await().atMost(Duration.ofSeconds(12)).until(() -> pageRequests.get() > 0);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(pool.snapshot().workers())
                      .singleElement()
                      .satisfies(w -> assertThat(w.processCountNow()).isGreaterThanOrEqualTo(5)));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  newChromeProcesses().stream()
                      .anyMatch(p -> p.contains("chrome_crashpad_handler")));
    }
    assertThat(future).isCompletedExceptionally();
    assertThat(future.handle((r, t) -> t).get()).isInstanceOf(PoolClosedException.class);
    assertThat(newChromeProcesses()).isEmpty();
    assertThat(tempDir.get()).doesNotExist();
  }

  private List<String> newChromeProcesses() {
    return chromeProcesses().stream()
        .filter(pid -> !chromeBefore.contains(pid))
        .map(pid -> pid + " " + ProcFs.commandLine(pid))
        .toList();
  }

  /** Live chrome and chrome_crashpad_handler processes, found by executable, not by tag. */
  private static Set<Long> chromeProcesses() {
    Set<Long> pids = new HashSet<>();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      if (!p.isEnded() && ProcFs.commandLine(p.pid()).matches("^\\S*chrom(e|ium)\\S*( .*)?$")) {
        pids.add(p.pid());
      }
    }
    return pids;
  }
}
