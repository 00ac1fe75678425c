package dev.stockade.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.stockade.EndReason;
import dev.stockade.EnvironmentNames;
import dev.stockade.ExitStatus;
import dev.stockade.TaskOptions;
import dev.stockade.WorkerCrashedException;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerPoolBuilder;
import dev.stockade.WorkerSnapshot;
import dev.stockade.WorkerState;
import dev.stockade.examples.ChromiumRenderPool.Rendered;
import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessIdentity;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.testing.JvmWorkers;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.RecordingListener;
import dev.stockade.testing.TestProcesses;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Chromium render pool ({@code node-chromium/render-worker.js}, puppeteer-core): pages render,
 * and a worker that is killed or retired takes its browser with it, although puppeteer starts
 * Chromium in a session of its own where it outlives node.
 */
@ExtendWith(NoLeakedProcesses.class)
class ChromiumRenderPoolTest {
  private static final Path WORKER_DIRECTORY = Path.of("node-chromium");
  private static final Path SCRIPT = WORKER_DIRECTORY.resolve("render-worker.js");
  private static final Duration PAGE = Duration.ofSeconds(60);

  /** How soon every process of an ended worker's browser must be gone. */
  private static final Duration TEARDOWN = Duration.ofSeconds(5);

  private HttpServer server;
  private ExecutorService serverThreads;

  /** Opens the gate of {@code /slow}, which holds its answer until then. */
  private final CountDownLatch slowGate = new CountDownLatch(1);

  private final AtomicInteger slowRequests = new AtomicInteger();

  @BeforeEach
  // An address literal: nothing is looked up, so there is no address to choose among.
  @SuppressWarnings("AddressSelection")
  void prepare() throws Exception {
    TestProcesses.requireProgram("node");
    TestProcesses.requireProgram("chromium");
    NodeModules.ensureInstalled(WORKER_DIRECTORY, "puppeteer-core");

    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext(
        "/",
        exchange -> {
          String title = "page";
          if (exchange.getRequestURI().getPath().equals("/slow")) {
            slowRequests.incrementAndGet();
            try {
              slowGate.await(PAGE.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            title = "slow page";
          }
          byte[] body =
              ("<!doctype html><title>" + title + "</title><p>" + title + " text</p>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    slowGate.countDown();
    if (server != null) {
      server.stop(0);
      serverThreads.shutdownNow();
    }
  }

  private String url(String path) {
    return ChromiumRenderPool.baseUrl(server) + path;
  }

  /** The example's pool, with a shorter termination grace and no shutdown hook. */
  private static WorkerPoolBuilder<String, String> pool() {
    return ChromiumRenderPool.renderPool(SCRIPT)
        .terminationGrace(Duration.ofSeconds(2))
        .shutdownHook(false);
  }

  @Test
  void rendersPagesServedOnLoopbackAndReturnsTheirTitles() throws Exception {
    List<Rendered> pages = ChromiumRenderPool.renderSamplePages(SCRIPT);

    // The second title is set by the page's script: only a browser that ran it sees it.
    assertThat(pages)
        .extracting(Rendered::title)
        .containsExactly("Quarterly report", "Dashboard: 42 open tasks");
    assertThat(pages).allSatisfy(page -> assertThat(page.textLength()).isPositive());
  }

  @Test
  void keepsOneBrowserForAllTheTasksOfAWorker() throws Exception {
    try (WorkerPool<String, String> pool = pool().build()) {
      Rendered first = render(pool, "/a");
      Rendered second = render(pool, "/b");

      assertThat(second.chromePid()).isEqualTo(first.chromePid());
      assertThat(JvmWorkers.isAlive(first.chromePid())).isTrue();
    }
  }

  /** The incident: node dies by SIGKILL while its Chromium, in a session of its own, loads. */
  @Test
  void aWorkerKilledFromOutsideMidTaskTakesItsBrowserWithIt() throws Exception {
    try (WorkerPool<String, String> pool = pool().build()) {
      Rendered warm = render(pool, "/warm");
      CompletableFuture<String> victim =
          pool.submit(url("/slow"), TaskOptions.defaults().withLabel("victim"));
      await().atMost(PAGE).until(() -> slowRequests.get() > 0);
      WorkerSnapshot worker = busyWorker(pool);
      Set<ProcessIdentity> chrome = browserProcesses(worker, warm.chromePid());
      assertThat(chrome)
          .as("the worker's browser processes")
          .hasSizeGreaterThanOrEqualTo(5)
          .anyMatch(p -> p.pid() == warm.chromePid());
      assertThat(ProcFs.readStat(warm.chromePid()).sid())
          .as("Chromium's session (puppeteer starts it detached)")
          .isNotEqualTo(ProcFs.readStat(worker.pid()).sid());

      JvmWorkers.signal(worker.pid(), Signal.KILL);

      assertThatThrownBy(() -> victim.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              WorkerCrashedException.class,
              e -> {
                assertThat(e.details().pid()).isEqualTo(worker.pid());
                assertThat(e.details().exitStatus()).contains(ExitStatus.killedBy(9));
              });
      await().atMost(TEARDOWN).untilAsserted(() -> assertThat(alive(chrome)).isEmpty());
      await().atMost(TEARDOWN).until(() -> !Files.exists(worker.tempDirectory()));
    }
  }

  /**
   * A worker retired after its one task exits 0 on SHUTDOWN, as node does when told to; its browser
   * must not outlive it, and the next task gets a new worker with a new browser.
   */
  @Test
  void aWorkerRecycledAfterItsTaskLeavesNoBrowserAndTheNextGetsAFreshOne() throws Exception {
    RecordingListener events = new RecordingListener();
    try (WorkerPool<String, String> pool =
        pool().maxTasksPerWorker(1).recycleJitter(0).listener(events).build()) {
      CompletableFuture<String> firstTask = pool.submit(url("/slow"));
      await().atMost(PAGE).until(() -> slowRequests.get() > 0);
      WorkerSnapshot worker = busyWorker(pool);
      Set<ProcessIdentity> chrome = browserProcesses(worker, -1);
      assertThat(chrome).as("the worker's browser processes").hasSizeGreaterThanOrEqualTo(5);
      slowGate.countDown();
      Rendered first = Rendered.parse(firstTask.get(PAGE.toSeconds(), TimeUnit.SECONDS));
      assertThat(first.title()).isEqualTo("slow page");
      assertThat(chrome).anyMatch(p -> p.pid() == first.chromePid());

      await().atMost(TEARDOWN).untilAsserted(() -> assertThat(alive(chrome)).isEmpty());
      await()
          .atMost(TEARDOWN)
          .until(() -> !JvmWorkers.isAlive(worker.pid()) && !Files.exists(worker.tempDirectory()));
      await().atMost(TEARDOWN).until(() -> events.ended.size() == 1);
      assertThat(events.endReasons()).containsExactly(EndReason.RECYCLED);

      Rendered second = render(pool, "/next");
      assertThat(second.chromePid()).isNotEqualTo(first.chromePid());
      assertThat(events.started).hasSize(2);
      assertThat(events.started.get(1).pid()).isNotEqualTo(worker.pid());
    }
  }

  private Rendered render(WorkerPool<String, String> pool, String path) throws Exception {
    return Rendered.parse(pool.submit(url(path)).get(PAGE.toSeconds(), TimeUnit.SECONDS));
  }

  private static WorkerSnapshot busyWorker(WorkerPool<?, ?> pool) {
    await()
        .atMost(PAGE)
        .until(
            () -> pool.snapshot().workers().stream().anyMatch(w -> w.state() == WorkerState.BUSY));
    return pool.snapshot().workers().stream()
        .filter(w -> w.state() == WorkerState.BUSY)
        .findFirst()
        .orElseThrow();
  }

  /**
   * The live Chromium processes of one worker, found without the pool's help: chrome processes that
   * are {@code chromePid}, name a profile under the worker's temporary directory, or carry the
   * worker's tag (the browser and its crashpad handlers keep their environment), and every
   * descendant of those.
   */
  private static Set<ProcessIdentity> browserProcesses(WorkerSnapshot worker, long chromePid) {
    ProcessTable table = ProcessTable.scan();
    String tag = ProcFs.environmentValue(worker.pid(), EnvironmentNames.TAG);
    assertThat(tag).as("the worker's tag").isNotNull();
    String profileParent = worker.tempDirectory() + "/";
    Deque<ProcessInfo> pending = new ArrayDeque<>();
    for (ProcessInfo p : table.all()) {
      if (p.isEnded() || !isChrome(p.pid())) {
        continue;
      }
      if (p.pid() == chromePid
          || ProcFs.commandLine(p.pid()).contains(profileParent)
          || Objects.equals(tag, ProcFs.environmentValue(p.pid(), EnvironmentNames.TAG))) {
        pending.add(p);
      }
    }
    Set<ProcessIdentity> found = new HashSet<>();
    while (!pending.isEmpty()) {
      ProcessInfo p = pending.poll();
      if (!p.isEnded() && found.add(p.identity())) {
        pending.addAll(table.childrenOf(p.pid()));
      }
    }
    return found;
  }

  private static boolean isChrome(long pid) {
    return ProcFs.commandLine(pid).matches("^\\S*chrom(e|ium)\\S*( .*)?$");
  }

  /** Those of {@code processes} still alive (a zombie counts as dead), as "pid command". */
  private static List<String> alive(Set<ProcessIdentity> processes) {
    return processes.stream()
        .filter(
            id -> {
              ProcessInfo now = ProcFs.readStat(id.pid());
              return now != null && now.is(id) && !now.isEnded();
            })
        .map(id -> id.pid() + " " + ProcFs.commandLine(id.pid()))
        .toList();
  }
}
