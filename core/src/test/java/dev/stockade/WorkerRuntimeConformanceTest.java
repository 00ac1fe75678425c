package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.internal.os.ProcFs;
import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.Tags;
import dev.stockade.internal.protocol.BatchPayloads;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.FrameWriter;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.workers.JvmWorkerCommand;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import dev.stockade.testing.ProtocolPeer;
import dev.stockade.testing.TestProcesses;
import dev.stockade.testing.conformance.ConformanceHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every runtime of the worker protocol keeps the contract of {@code docs/protocol.md}: each test
 * starts a real runtime process with the conformance handler (its payload is a command such as
 * {@code echo:x} or {@code spin}) and plays the supervisor's side frame by frame.
 */
@ExtendWith(NoLeakedProcesses.class)
class WorkerRuntimeConformanceTest {
  static final int HEARTBEAT_MS = 100;
  private static final int MAX_FRAME_SIZE = 4 * 1024 * 1024;

  /** The bound of the tests that send more than it allows. */
  private static final int SMALL_BOUND = 64 * 1024;

  private static final Duration START = Duration.ofSeconds(10);
  private static final Duration REPLY = Duration.ofSeconds(5);

  /** How soon a cancel must be answered. */
  private static final Duration QUICKLY = Duration.ofSeconds(2);

  /**
   * A runtime under test: its name (also the first word of the runtime text in its HELLO), the
   * program it needs, the error type its handler's {@code fail:} command raises, and how to start
   * it with the conformance handler.
   */
  record RuntimeUnderTest(String name, String program, String failureType, Launch launch) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Prepares a directory for one worker (runtime and handler files) and returns its argv. */
  @FunctionalInterface
  interface Launch {
    List<String> argv(Path directory) throws IOException;
  }

  static final RuntimeUnderTest PYTHON =
      new RuntimeUnderTest(
          "python",
          "python3",
          "ValueError",
          dir -> {
            Path runtime = WorkerRuntimes.writePython(dir);
            copyHandler("workers/python/conformance_worker.py", dir);
            return List.of("python3", "-B", runtime.toString(), "conformance_worker:handle");
          });

  static final RuntimeUnderTest NODE =
      new RuntimeUnderTest(
          "node",
          "node",
          "TypeError",
          dir -> {
            Path runtime = WorkerRuntimes.writeNode(dir);
            copyHandler("workers/node/conformance-worker.js", dir);
            return List.of("node", runtime.toString(), "./conformance-worker.js");
          });

  /** As a pool starts it: the shell in front of java has moved the descriptors. */
  static final RuntimeUnderTest JVM =
      new RuntimeUnderTest(
          "jvm",
          "sh",
          "java.lang.IllegalArgumentException",
          dir -> {
            List<String> argv = new ArrayList<>();
            argv.add("env");
            JvmWorkerCommand.ENVIRONMENT.forEach((name, value) -> argv.add(name + "=" + value));
            argv.addAll(
                JvmWorkerCommand.arguments(
                    ConformanceHandler.class, MemorySize.ofMebibytes(256), List.of()));
            return argv;
          });

  /** Started as plain {@code java}: the runtime moves the descriptors itself (through libc). */
  static final RuntimeUnderTest JVM_ALONE =
      new RuntimeUnderTest(
          "jvm started alone",
          "sh",
          "java.lang.IllegalArgumentException",
          dir -> {
            List<String> argv =
                JvmWorkerCommand.arguments(
                    ConformanceHandler.class, MemorySize.ofMebibytes(256), List.of());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return argv.subList(argv.indexOf(java), argv.size());
          });

  /** The runtimes every conformance test runs against. */
  static List<RuntimeUnderTest> runtimes() {
    return List.of(PYTHON, NODE, JVM, JVM_ALONE);
  }

  /** The same handlers started the other way: their module calls the runtime's run(). */
  static List<RuntimeUnderTest> handlersThatCallRun() {
    return List.of(
        new RuntimeUnderTest(
            "python",
            "python3",
            "ValueError",
            dir -> {
              WorkerRuntimes.writePython(dir);
              return List.of(
                  "python3",
                  "-B",
                  copyHandler("workers/python/conformance_worker.py", dir).toString());
            }),
        new RuntimeUnderTest(
            "node",
            "node",
            "TypeError",
            dir -> {
              WorkerRuntimes.writeNode(dir);
              return List.of(
                  "node", copyHandler("workers/node/conformance-worker.js", dir).toString());
            }));
  }

  private static Path copyHandler(String resource, Path dir) throws IOException {
    Path target = dir.resolve(Path.of(resource).getFileName().toString());
    try (InputStream in = WorkerRuntimeConformanceTest.class.getResourceAsStream("/" + resource)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  @TempDir Path dir;

  private final List<ProtocolPeer> peers = new ArrayList<>();
  private final long startedAt = ProcessList.uptimeTicks();

  @AfterEach
  void endWorkers() {
    try {
      for (ProtocolPeer peer : peers) {
        assertThat(peer.readFailure())
            .as("frames from worker %d (stderr: %s)", peer.pid(), peer.stderr())
            .isNull();
      }
    } finally {
      peers.forEach(ProtocolPeer::close);
      // A runtime ends its descendants when its stdin ends; those it had in a session of their
      // own were handed to this JVM, a child subreaper, and end as its zombies. No pool runs
      // here, so what started during this test and ended is this test's to reap; anything
      // still alive stays a leak for NoLeakedProcesses.
      NoLeakedProcesses.reapWhatStartedSince(startedAt, Duration.ofSeconds(5));
    }
  }

  private ProtocolPeer start(RuntimeUnderTest runtime) throws IOException {
    return start(runtime, MAX_FRAME_SIZE);
  }

  /**
   * Starts a worker told that the supervisor accepts payloads of up to {@code maxFrameSize} bytes;
   * the peer reading its frames refuses any larger one.
   */
  private ProtocolPeer start(RuntimeUnderTest runtime, int maxFrameSize) throws IOException {
    ProtocolPeer peer = startPeer(runtime, dir, maxFrameSize);
    peers.add(peer);
    return peer;
  }

  /**
   * Starts {@code runtime} in {@code dir} as a supervisor would, told that the supervisor accepts
   * payloads of up to {@code maxFrameSize} bytes; the peer reading its frames refuses any larger
   * one. The caller closes the peer.
   */
  static ProtocolPeer startPeer(RuntimeUnderTest runtime, Path dir, int maxFrameSize)
      throws IOException {
    TestProcesses.requireProgram(runtime.program());
    return ProtocolPeer.start(
        runtime.launch().argv(dir),
        dir,
        Map.of(
            "STOCKADE_PROTOCOL",
            String.valueOf(Payloads.PROTOCOL_VERSION),
            "STOCKADE_HEARTBEAT_MS",
            String.valueOf(HEARTBEAT_MS),
            "STOCKADE_MAX_FRAME_SIZE",
            String.valueOf(maxFrameSize),
            // as a pool with the default waitSpin sets it: the runtimes that spin are tested so
            "STOCKADE_IDLE_SPIN_US",
            "50",
            EnvironmentNames.TAG,
            Tags.workerTag(Tags.newPoolId("conformance"), "w1"),
            "TMPDIR",
            dir.toString()),
        maxFrameSize);
  }

  /** A started worker whose HELLO has been read. */
  private ProtocolPeer ready(RuntimeUnderTest runtime) throws IOException {
    return ready(runtime, MAX_FRAME_SIZE);
  }

  private ProtocolPeer ready(RuntimeUnderTest runtime, int maxFrameSize) throws IOException {
    ProtocolPeer peer = start(runtime, maxFrameSize);
    assertThat(peer.awaitFrame(START).type()).isEqualTo(FrameType.HELLO);
    return peer;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Frame frame) {
    return new String(frame.payload(), StandardCharsets.UTF_8);
  }

  private static void assertResult(Frame frame, long id, String text) {
    assertThat(frame.type()).as("%s", frame).isEqualTo(FrameType.RESULT);
    assertThat(frame.id()).isEqualTo(id);
    assertThat(text(frame)).isEqualTo(text);
  }

  private static void assertCancelled(Frame frame, long id) throws Exception {
    assertThat(frame.type()).as("%s", frame).isEqualTo(FrameType.ERROR);
    assertThat(frame.id()).isEqualTo(id);
    assertThat(Payloads.error(frame.payload()).type()).isEqualTo("Cancelled");
  }

  /** Waits for the handler's "started" note, so the task is surely inside its handler. */
  private static void awaitStarted(ProtocolPeer peer, long id) {
    Frame started = peer.awaitReply(REPLY);
    assertThat(started.type()).as("%s", started).isEqualTo(FrameType.PROGRESS);
    assertThat(started.id()).isEqualTo(id);
  }

  /** Asserts that heartbeats keep coming at about the interval from now on. */
  private static void assertHeartbeatsAtTheInterval(ProtocolPeer peer) {
    long since = System.nanoTime();
    List<Long> beats =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> peer.heartbeatsSince(since), list -> list.size() >= 10);
    long maxGap = 0;
    for (int i = 1; i < beats.size(); i++) {
      maxGap = Math.max(maxGap, beats.get(i) - beats.get(i - 1));
    }
    double meanGapMs = (beats.get(beats.size() - 1) - beats.get(0)) / 1e6 / (beats.size() - 1);
    assertThat(meanGapMs)
        .as("mean gap between heartbeats, ms")
        .isBetween(0.7 * HEARTBEAT_MS, 2.0 * HEARTBEAT_MS);
    assertThat(Duration.ofNanos(maxGap))
        .as("longest gap between heartbeats")
        .isLessThan(Duration.ofMillis(5L * HEARTBEAT_MS));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void sendsHelloFirstWithVersionPidAndRuntime(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = start(runtime);

    Frame first = peer.awaitFrame(START);

    assertThat(first.type()).isEqualTo(FrameType.HELLO);
    assertThat(first.id()).isZero();
    Payloads.Hello hello = Payloads.hello(first.payload());
    assertThat(hello.version()).isEqualTo(Payloads.PROTOCOL_VERSION);
    assertThat(hello.pid()).isEqualTo(peer.pid());
    // the runtime's name is the first word of the entry's name
    assertThat(hello.runtime()).matches(runtime.name().split(" ", -1)[0] + " \\d+\\.\\d+\\.\\d+.*");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void echoesSmallAndOneMebibytePayloads(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    byte[] big = new byte[1024 * 1024];
    new Random(42).nextBytes(big);

    peer.send(FrameType.TASK, 1, "echo:grüezi");
    assertResult(peer.awaitReply(REPLY), 1, "grüezi");
    peer.send(
        Frame.of(
            FrameType.TASK,
            2,
            ByteBuffer.allocate(5 + big.length).put(bytes("echo:")).put(big).array()));
    Frame reply = peer.awaitReply(REPLY);

    assertThat(reply.type()).isEqualTo(FrameType.RESULT);
    assertThat(reply.id()).isEqualTo(2);
    assertThat(reply.payload()).isEqualTo(big);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersAFailureWithTypeMessageAndTrace(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 3, "fail:it broke, ça arrive");
    Frame reply = peer.awaitReply(REPLY);

    assertThat(reply.type()).isEqualTo(FrameType.ERROR);
    assertThat(reply.id()).isEqualTo(3);
    Payloads.ErrorReply error = Payloads.error(reply.payload());
    assertThat(error.type()).isEqualTo(runtime.failureType());
    assertThat(error.message()).isEqualTo("it broke, ça arrive");
    // the trace leads into the handler's own file
    assertThat(error.trace()).contains(runtime.failureType()).contains("conformance");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void sendsProgressWithTheTaskIdBeforeTheResult(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 4, "progress:3");

    for (int step = 1; step <= 3; step++) {
      Frame note = peer.awaitReply(REPLY);
      assertThat(note.type()).isEqualTo(FrameType.PROGRESS);
      assertThat(note.id()).isEqualTo(4);
      assertThat(text(note)).isEqualTo("step " + step);
    }
    assertResult(peer.awaitReply(REPLY), 4, "done");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void heartbeatsAtTheIntervalWhileIdle(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    assertHeartbeatsAtTheInterval(peer);
    assertThat(peer.unread())
        .allMatch(f -> f.type() == FrameType.HEARTBEAT && f.id() == 0 && f.payload().length == 0);
  }

  /** Python: a pure-Python loop still lets the heartbeat thread run; Node: a blocked loop. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void heartbeatsWhileTheHandlerSpins(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 5, "spin");
    awaitStarted(peer, 5);

    assertHeartbeatsAtTheInterval(peer);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersPingWithPongOfTheSameNonce(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    long nonce = 0xFEDC_BA98_7654_3210L; // above 2^63: ids are unsigned 64-bit numbers

    peer.send(FrameType.PING, nonce);
    Frame pong = peer.awaitReply(REPLY);

    assertThat(pong).isEqualTo(Frame.of(FrameType.PONG, nonce));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cancelsASleepingTaskAndTakesTheNext(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 6, "sleep:60000");
    awaitStarted(peer, 6);

    peer.send(FrameType.CANCEL, 6);

    assertCancelled(peer.awaitReply(QUICKLY), 6);
    peer.send(FrameType.TASK, 7, "echo:next");
    assertResult(peer.awaitReply(REPLY), 7, "next");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cancelsASpinningTask(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 8, "spin");
    awaitStarted(peer, 8);

    peer.send(FrameType.CANCEL, 8);

    assertCancelled(peer.awaitReply(QUICKLY), 8);
  }

  /** The runtime may not have handed the task to its handler yet: the cancel still counts. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void cancelsATaskCancelledRightAfterItWasSent(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    byte[] task = FrameWriter.encode(Frame.text(FrameType.TASK, 9, "sleep:60000"));
    byte[] cancel = FrameWriter.encode(Frame.of(FrameType.CANCEL, 9));
    // one write: the runtime reads both frames together
    peer.sendRaw(ByteBuffer.allocate(task.length + cancel.length).put(task).put(cancel).array());

    Frame reply = peer.awaitReply(QUICKLY);
    if (reply.type() == FrameType.PROGRESS) { // the handler did start before the cancel came
      reply = peer.awaitReply(QUICKLY);
    }
    assertCancelled(reply, 9);
    peer.send(FrameType.TASK, 10, "echo:next");
    assertResult(peer.awaitReply(REPLY), 10, "next");
  }

  /**
   * A frame may be split across reads at any byte, and the reading may pass from one thread to
   * another in between (the Python runtime reads on its main thread while idle and on a reader
   * thread while a task runs): the CANCEL whose first bytes came with its TASK still cancels it.
   */
  @ParameterizedTest
  @MethodSource("runtimes")
  void cancelsWithACancelWhoseFirstBytesCameWithTheTask(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    byte[] task = FrameWriter.encode(Frame.text(FrameType.TASK, 24, "sleep:60000"));
    byte[] cancel = FrameWriter.encode(Frame.of(FrameType.CANCEL, 24));
    int head = 7; // inside the header
    peer.sendRaw(ByteBuffer.allocate(task.length + head).put(task).put(cancel, 0, head).array());
    awaitStarted(peer, 24);

    peer.sendRaw(Arrays.copyOfRange(cancel, head, cancel.length));

    assertCancelled(peer.awaitReply(QUICKLY), 24);
    peer.send(FrameType.TASK, 25, "echo:next");
    assertResult(peer.awaitReply(REPLY), 25, "next");
  }

  /** The other way round: a TASK begun while a task ran and finished once the worker is idle. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void runsATaskWhoseFirstBytesCameWhileAnotherRan(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 26, "sleep:300");
    awaitStarted(peer, 26);
    byte[] next = FrameWriter.encode(Frame.text(FrameType.TASK, 27, "echo:joined"));
    int head = 20; // the header and a few bytes of the payload

    peer.sendRaw(Arrays.copyOf(next, head));
    assertResult(peer.awaitReply(REPLY), 26, "slept");
    peer.sendRaw(Arrays.copyOfRange(next, head, next.length));

    assertResult(peer.awaitReply(REPLY), 27, "joined");
  }

  /** Frames that come in one read to an idle worker are each taken up, in order. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void runsEveryTaskOfOneWriteInOrder(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    ByteBuffer frames = ByteBuffer.allocate(1024);
    frames.put(FrameWriter.encode(Frame.text(FrameType.TASK, 28, "sleep:200")));
    frames.put(FrameWriter.encode(Frame.text(FrameType.TASK, 29, "sleep:60000")));
    frames.put(FrameWriter.encode(Frame.of(FrameType.CANCEL, 29)));
    frames.put(FrameWriter.encode(Frame.text(FrameType.TASK, 30, "echo:third")));

    peer.sendRaw(Arrays.copyOf(frames.array(), frames.position()));

    awaitStarted(peer, 28);
    assertResult(peer.awaitReply(REPLY), 28, "slept");
    assertCancelled(peer.awaitReply(REPLY), 29);
    assertResult(peer.awaitReply(REPLY), 30, "third");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void ignoresACancelForATaskThatIsNotRunning(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.CANCEL, 11);
    peer.send(FrameType.TASK, 12, "echo:still here");

    assertResult(peer.awaitReply(REPLY), 12, "still here");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void sendsPrintedAndChildOutputToStderr(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 13, "print:hello from the handler");

    assertResult(peer.awaitReply(REPLY), 13, "ok");
    await()
        .atMost(REPLY)
        .untilAsserted(
            () ->
                assertThat(peer.stderr())
                    .contains("hello from the handler", "child-output", "child-err"));
    // the frames after the output are whole: the stream is still in step
    peer.send(FrameType.TASK, 14, "echo:intact");
    assertResult(peer.awaitReply(REPLY), 14, "intact");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void exitsZeroOnShutdownWhenIdle(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.SHUTDOWN, 0);

    assertThat(peer.awaitExit(REPLY)).isZero();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersTheRunningTaskThenExitsZeroOnShutdown(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 15, "sleep:500");
    awaitStarted(peer, 15);

    peer.send(FrameType.SHUTDOWN, 0);

    assertResult(peer.awaitReply(REPLY), 15, "slept");
    assertThat(peer.awaitExit(REPLY)).isZero();
    await().atMost(REPLY).until(peer::stdoutEnded);
    assertThat(peer.unread()).as("frames after the answer").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void endsItselfAndItsChildrenWhenStdinEnds(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 16, "spawn");
    Frame reply = peer.awaitReply(REPLY);
    assertThat(reply.type()).isEqualTo(FrameType.RESULT);
    long child = Long.parseLong(text(reply));
    assertThat(isAlive(child)).as("spawned child %d", child).isTrue();

    peer.closeStdin();

    await().atMost(REPLY).until(() -> !peer.isAlive() && !isAlive(child));
  }

  /** A pool with more than one task in flight per worker sends the next before an answer. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void runsTasksSentEarlyInOrderAndAnswersAWaitingCancelledOneInItsTurn(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 20, "sleep:300");
    awaitStarted(peer, 20);

    peer.send(FrameType.TASK, 21, "echo:second");
    peer.send(FrameType.TASK, 22, "sleep:60000");
    peer.send(FrameType.CANCEL, 22);
    peer.send(FrameType.TASK, 23, "echo:fourth");

    assertResult(peer.awaitReply(REPLY), 20, "slept");
    assertResult(peer.awaitReply(REPLY), 21, "second");
    assertCancelled(peer.awaitReply(REPLY), 22);
    assertResult(peer.awaitReply(REPLY), 23, "fourth");
  }

  /** puppeteer starts Chrome in a session of its own: out of the group, still a descendant. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void endsADescendantInASessionOfItsOwnWhenStdinEnds(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    peer.send(FrameType.TASK, 19, "spawn-session");
    Frame reply = peer.awaitReply(REPLY);
    assertThat(reply.type()).as("%s", reply).isEqualTo(FrameType.RESULT);
    long child = Long.parseLong(text(reply));
    await()
        .atMost(REPLY)
        .until(() -> ProcFs.readStat(child) != null && ProcFs.readStat(child).sid() == child);

    peer.closeStdin();

    await().atMost(REPLY).until(() -> !peer.isAlive() && !isAlive(child));
  }

  // --- the frame bound ---------------------------------------------------------------------

  /** U+1D11E, four bytes in UTF-8: a byte cut at a random place splits it three times in four. */
  private static final String FOUR_BYTES = "\uD834\uDD1E";

  /**
   * The argument of the handlers' long-text commands, {@code <ascii>:<count>}, and the text they
   * make of it: {@code ascii} "a"s, then {@code count} four-byte characters.
   */
  private static String longText(int ascii, int count) {
    return "a".repeat(ascii) + FOUR_BYTES.repeat(count);
  }

  /**
   * How many "a"s to put before the four-byte characters so that a cut at exactly {@code room}
   * bytes would fall two bytes into one of them.
   */
  private static int asciiToSplitACharacterAt(int room) {
    return Math.floorMod(room - 2, 4);
  }

  /** What the protocol keeps of {@link #longText}: its longest prefix of whole characters. */
  private static String cutLongText(int ascii, int room) {
    return longText(ascii, (room - ascii) / 4);
  }

  private static int utf8Length(String text) {
    return bytes(text).length;
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersAResultOverTheFrameBoundWithResultTooLarge(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime, SMALL_BOUND);

    peer.send(FrameType.TASK, 40, "big:" + SMALL_BOUND);
    Frame atTheBound = peer.awaitReply(REPLY);
    peer.send(FrameType.TASK, 41, "big:" + (SMALL_BOUND + 1));
    Frame overTheBound = peer.awaitReply(REPLY);

    assertThat(atTheBound.type()).as("%s", atTheBound).isEqualTo(FrameType.RESULT);
    assertThat(atTheBound.payload()).hasSize(SMALL_BOUND);
    assertThat(overTheBound.type()).as("%s", overTheBound).isEqualTo(FrameType.ERROR);
    assertThat(overTheBound.id()).isEqualTo(41);
    Payloads.ErrorReply error = Payloads.error(overTheBound.payload());
    assertThat(error.type()).isEqualTo("ResultTooLarge");
    assertThat(error.message())
        .isEqualTo(
            "the result of "
                + (SMALL_BOUND + 1)
                + " bytes is over the pool's maxFrameSize ("
                + SMALL_BOUND
                + " bytes)");
  }

  /** The type is kept, the message cut to what fits after it; no room is left for a trace. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void cutsAnErrorMessageOverTheFrameBoundAtACharacterBoundary(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime, SMALL_BOUND);
    int room = SMALL_BOUND - 8 - utf8Length(runtime.failureType());
    int ascii = asciiToSplitACharacterAt(room);

    peer.send(FrameType.TASK, 42, "fail-long:" + ascii + ":" + SMALL_BOUND);
    Frame reply = peer.awaitReply(REPLY);

    assertThat(reply.type()).as("%s", reply).isEqualTo(FrameType.ERROR);
    assertThat(reply.payload().length).isLessThanOrEqualTo(SMALL_BOUND);
    Payloads.ErrorReply error = Payloads.error(reply.payload()); // strict UTF-8: no split character
    assertThat(error.type()).isEqualTo(runtime.failureType());
    assertThat(error.message()).isEqualTo(cutLongText(ascii, room));
    assertThat(error.trace()).isEmpty();
    peer.send(FrameType.TASK, 43, "echo:next");
    assertResult(peer.awaitReply(REPLY), 43, "next");
  }

  /**
   * The message is kept, the trace cut to what fits after it. Where the long text begins in the
   * trace is the runtime's business, so the cut is tried at all four offsets within a four-byte
   * character: at least three would split one.
   */
  @ParameterizedTest
  @MethodSource("runtimes")
  void cutsATraceOverTheFrameBoundAtACharacterBoundaryKeepingTheMessage(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime, SMALL_BOUND);

    for (int ascii = 0; ascii < 4; ascii++) {
      long id = 44L + ascii;
      peer.send(FrameType.TASK, id, "fail-trace:" + ascii + ":" + SMALL_BOUND / 4);
      Frame reply = peer.awaitReply(REPLY);

      assertThat(reply.type()).as("%s", reply).isEqualTo(FrameType.ERROR);
      assertThat(reply.id()).isEqualTo(id);
      // filled up to the bound, less at most the three bytes of a character that did not fit
      assertThat(reply.payload().length).isBetween(SMALL_BOUND - 3, SMALL_BOUND);
      Payloads.ErrorReply error = Payloads.error(reply.payload()); // strict UTF-8
      assertThat(error.type()).isEqualTo(runtime.failureType());
      assertThat(error.message()).isEqualTo("short");
      assertThat(error.trace())
          .contains("a".repeat(ascii) + FOUR_BYTES.repeat(100))
          .endsWith(FOUR_BYTES);
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cutsAProgressNoteOverTheFrameBoundAtACharacterBoundary(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime, SMALL_BOUND);
    int ascii = asciiToSplitACharacterAt(SMALL_BOUND);

    peer.send(FrameType.TASK, 48, "progress-long:" + ascii + ":" + SMALL_BOUND);
    Frame note = peer.awaitReply(REPLY);

    assertThat(note.type()).as("%s", note).isEqualTo(FrameType.PROGRESS);
    assertThat(note.id()).isEqualTo(48);
    assertThat(note.payload().length).isLessThanOrEqualTo(SMALL_BOUND);
    assertThat(Payloads.text(note.payload(), "PROGRESS note")) // strict UTF-8
        .isEqualTo(cutLongText(ascii, SMALL_BOUND));
    assertResult(peer.awaitReply(REPLY), 48, "sent");
  }

  // --- the task boundary ------------------------------------------------------------------

  /**
   * The handler of task 50 leaves a helper (a thread; Node: a timer) that reports progress for task
   * 50 every millisecond, racing its answer and going on after it, while task 51 runs and until
   * task 52 stops it. Only notes sent before task 50's answer may go out.
   */
  @ParameterizedTest
  @MethodSource("runtimes")
  void dropsProgressNotesForATaskThatWasAnsweredAndServesTheNext(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 50, "late-progress");
    Frame answer = peer.awaitReply(REPLY);
    while (answer.type() == FrameType.PROGRESS && answer.id() == 50) {
      answer = peer.awaitReply(REPLY); // sent before the answer: allowed
    }
    assertResult(answer, 50, "returned");
    peer.send(FrameType.TASK, 51, "sleep:200");
    List<Frame> afterTheAnswer = new ArrayList<>();
    afterTheAnswer.add(peer.awaitReply(REPLY));
    afterTheAnswer.add(peer.awaitReply(REPLY));
    peer.send(FrameType.TASK, 52, "stop-late");
    afterTheAnswer.add(peer.awaitReply(REPLY));
    peer.send(FrameType.TASK, 53, "echo:still in step");
    afterTheAnswer.add(peer.awaitReply(REPLY));

    assertThat(afterTheAnswer)
        .extracting(f -> f.type() + " " + f.id())
        .containsExactly("PROGRESS 51", "RESULT 51", "RESULT 52", "RESULT 53");
    assertThat(afterTheAnswer)
        .extracting(WorkerRuntimeConformanceTest::text)
        .contains("slept", "still in step");
    // the helper did report late, and its progress call said each such note was dropped
    assertThat(text(afterTheAnswer.get(2))).matches("sent \\d+ dropped [1-9]\\d*");
    assertThat(peer.unread()).allMatch(f -> f.type() == FrameType.HEARTBEAT);
  }

  private static boolean isAlive(long pid) {
    ProcessInfo info = ProcFs.readStat(pid);
    return info != null && !info.isEnded();
  }

  /** A malformed request, and what the runtime's line on stderr names. */
  // A test argument, never compared or hashed.
  @SuppressWarnings("ArrayRecordComponent")
  record Malformed(String name, byte[] bytes, String named) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> malformedRequests() {
    byte[] good = FrameWriter.encode(Frame.text(FrameType.TASK, 1, "echo:x"));
    List<Malformed> cases =
        List.of(
            new Malformed("bad magic", patched(good, 0, 'X'), "magic"),
            new Malformed("unknown type", patched(good, 2, 0x7F), "unknown frame type"),
            new Malformed("nonzero flags", patched(good, 3, 1), "flags"),
            new Malformed(
                "over the maximum size",
                ByteBuffer.wrap(good.clone()).putInt(12, MAX_FRAME_SIZE + 1).array(),
                "over"),
            new Malformed(
                "a reply type",
                FrameWriter.encode(Frame.of(FrameType.HEARTBEAT, 0)),
                "only a worker sends"),
            new Malformed("truncated", Arrays.copyOf(good, 10), "truncated"),
            new Malformed(
                "a batch with id 0",
                FrameWriter.encode(
                    Frame.of(FrameType.BATCH, 0, BatchPayloads.batch(List.of(bytes("echo:x"))))),
                "BATCH"),
            new Malformed(
                "a batch of no inputs",
                FrameWriter.encode(Frame.of(FrameType.BATCH, 1, new byte[4])),
                "0 inputs"),
            new Malformed(
                "a batch whose lengths do not add up",
                FrameWriter.encode(
                    Frame.of(
                        FrameType.BATCH,
                        1,
                        ByteBuffer.allocate(4 + 8 + 3)
                            .putInt(2)
                            .putInt(1)
                            .putInt(1)
                            .put(bytes("abc"))
                            .array())),
                "add up"));
    return runtimes().stream()
        .flatMap(runtime -> cases.stream().map(malformed -> Arguments.of(runtime, malformed)));
  }

  private static byte[] patched(byte[] frame, int offset, int value) {
    byte[] copy = frame.clone();
    copy[offset] = (byte) value;
    return copy;
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("malformedRequests")
  void endsWithAnErrorLineOnAMalformedRequest(RuntimeUnderTest runtime, Malformed malformed)
      throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.sendRaw(malformed.bytes());
    if (malformed.name().equals("truncated")) {
      peer.closeStdin(); // the stream ends inside the frame
    }

    assertThat(peer.awaitExit(REPLY)).isNotZero();
    await()
        .atMost(REPLY)
        .untilAsserted(() -> assertThat(peer.stderr()).contains(malformed.named()));
    assertThat(peer.unread()).allMatch(f -> f.type() == FrameType.HEARTBEAT);
  }

  @ParameterizedTest
  @MethodSource("handlersThatCallRun")
  void servesAHandlerModuleThatCallsRun(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 17, "echo:from its own main");

    assertResult(peer.awaitReply(REPLY), 17, "from its own main");
  }

  /**
   * A heartbeat says the runtime is responsive: a C call that holds the GIL stops it, and the
   * supervisor sees the silence.
   */
  @Test
  void pythonStopsHeartbeatingWhileAHandlerHoldsTheGil() throws Exception {
    ProtocolPeer peer = ready(PYTHON);
    await().atMost(REPLY).until(() -> !peer.heartbeatsSince(0).isEmpty());

    peer.send(FrameType.TASK, 18, "block-heartbeat");
    // a heartbeat may still be on its way while the handler starts
    long quietFrom = System.nanoTime() + Duration.ofMillis(2L * HEARTBEAT_MS).toNanos();

    await()
        .during(Duration.ofMillis(6L * HEARTBEAT_MS))
        .atMost(Duration.ofSeconds(5))
        .until(() -> peer.isAlive() && peer.heartbeatsSince(quietFrom).isEmpty());
  }
}
