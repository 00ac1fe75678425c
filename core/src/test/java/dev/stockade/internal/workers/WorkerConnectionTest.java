package dev.stockade.internal.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.engine.CallbackExecutor;
import dev.stockade.internal.engine.SpinHelp;
import dev.stockade.internal.os.LaunchSpec;
import dev.stockade.internal.os.PosixSpawnLauncher;
import dev.stockade.internal.os.SpawnedProcess;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.testing.NoLeakedProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker's replies are read by its reader thread, or by a caller waiting for its answer: such a
 * caller reads and handles the reply on its own thread, the reader thread is not woken for what the
 * caller reads, and a reply the caller left unread reaches the reader thread once the caller stops.
 * The "worker" here is {@code cat}: every request sent comes back as a reply.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(30)
class WorkerConnectionTest {
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CallbackExecutor callbacks = CallbackExecutor.owned("connection-test", 1);

  /** The thread each reply was handled on, by the reply's id. */
  private final Map<Long, Thread> handledOn = new ConcurrentHashMap<>();

  private SpawnedProcess cat;
  private WorkerConnection connection;

  @BeforeEach
  void connectToCat() throws Exception {
    cat =
        new PosixSpawnLauncher()
            .launch(
                new LaunchSpec(
                    Path.of("/bin/cat"), List.of("cat"), System.getenv(), null, true, true, true),
                threads);
    connection = new WorkerConnection(cat.stdin(), cat.stdout(), System.nanoTime());
    threads.execute(
        () ->
            connection.readReplies(
                1024,
                callbacks,
                frame -> {
                  handledOn.put(frame.id(), Thread.currentThread());
                  return null;
                },
                () -> {}));
    // Until the reader has made the pipe readable without blocking, callers cannot help.
    await().atMost(Duration.ofSeconds(5)).until(() -> helpEnded(connection.callerWaits()));
  }

  private static boolean helpEnded(SpinHelp help) {
    if (help == null) {
      return false;
    }
    help.end();
    return true;
  }

  @AfterEach
  void stop() throws Exception {
    connection.closeRequests(); // cat exits, and the reader sees the end
    cat.exit().get(10, TimeUnit.SECONDS);
    connection.repliesEnded.get(10, TimeUnit.SECONDS);
    for (var pipe : cat.outputPipes()) {
      pipe.close();
    }
    threads.shutdownNow();
    callbacks.shutdown();
  }

  @Test
  void aWaitingCallerHandlesTheReplyOnItsOwnThread() {
    SpinHelp help = connection.callerWaits();
    try {
      connection.send(Frame.of(FrameType.HEARTBEAT, 1));

      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(1))
          .pollInSameThread()
          .until(
              () -> {
                help.once();
                return handledOn.containsKey(1L);
              });
    } finally {
      help.end();
    }

    assertThat(handledOn.get(1L)).isSameAs(Thread.currentThread());
  }

  @Test
  void aReplyLeftUnreadByAWaitingCallerReachesTheReaderThreadWhenTheCallerStops() {
    SpinHelp help = connection.callerWaits();
    connection.send(Frame.of(FrameType.HEARTBEAT, 2));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !handledOn.containsKey(2L)); // the reader thread was not woken for it

    help.end();

    await().atMost(Duration.ofSeconds(5)).until(() -> handledOn.containsKey(2L));
    assertThat(handledOn.get(2L)).isNotSameAs(Thread.currentThread());
  }

  @Test
  void theReaderThreadHandlesRepliesWhenNoCallerWaits() {
    connection.send(Frame.of(FrameType.HEARTBEAT, 3));

    await().atMost(Duration.ofSeconds(5)).until(() -> handledOn.containsKey(3L));
    assertThat(handledOn.get(3L)).isNotSameAs(Thread.currentThread());
  }
}
