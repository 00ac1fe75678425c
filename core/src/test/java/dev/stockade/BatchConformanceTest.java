package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.stockade.WorkerRuntimeConformanceTest.RuntimeUnderTest;
import dev.stockade.internal.protocol.BatchPayloads;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.protocol.ProtocolViolation;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ProcessList;
import dev.stockade.testing.ProtocolPeer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every runtime serves BATCH as {@code docs/protocol.md} ("Batches") prescribes: each test starts a
 * real runtime with the conformance handler, sends batches of its commands and reads the
 * BATCH_RESULT frames frame by frame, as the supervisor would.
 */
@ExtendWith(NoLeakedProcesses.class)
class BatchConformanceTest {
  private static final int MAX_FRAME_SIZE = 4 * 1024 * 1024;
  private static final int SMALL_BOUND = 64 * 1024;

  /** A BATCH_RESULT's bytes besides its bodies when it holds one outcome. */
  private static final int ONE_OUTCOME =
      BatchPayloads.RESULT_HEADER_BYTES + BatchPayloads.RESULT_BYTES_PER_OUTCOME;

  private static final Duration START = Duration.ofSeconds(10);
  private static final Duration REPLY = Duration.ofSeconds(5);
  private static final Duration QUICKLY = Duration.ofSeconds(2);

  static List<RuntimeUnderTest> runtimes() {
    return List.of(
        WorkerRuntimeConformanceTest.PYTHON,
        WorkerRuntimeConformanceTest.NODE,
        WorkerRuntimeConformanceTest.JVM);
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
      NoLeakedProcesses.reapWhatStartedSince(startedAt, Duration.ofSeconds(5));
    }
  }

  private ProtocolPeer ready(RuntimeUnderTest runtime) throws IOException {
    return ready(runtime, MAX_FRAME_SIZE);
  }

  private ProtocolPeer ready(RuntimeUnderTest runtime, int maxFrameSize) throws IOException {
    ProtocolPeer peer = WorkerRuntimeConformanceTest.startPeer(runtime, dir, maxFrameSize);
    peers.add(peer);
    assertThat(peer.awaitFrame(START).type()).isEqualTo(FrameType.HELLO);
    return peer;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void sendBatch(ProtocolPeer peer, long id, String... inputs) throws IOException {
    sendBatch(peer, id, List.of(inputs));
  }

  private static void sendBatch(ProtocolPeer peer, long id, List<String> inputs)
      throws IOException {
    peer.send(
        Frame.of(
            FrameType.BATCH,
            id,
            BatchPayloads.batch(inputs.stream().map(BatchConformanceTest::bytes).toList())));
  }

  /** One input's outcome: its output, or the error it failed with. */
  record Outcome(byte[] output, Payloads.ErrorReply error) {
    String text() {
      assertThat(error).as("the input's error").isNull();
      return new String(output, StandardCharsets.UTF_8);
    }
  }

  /** What a runtime sent for one batch: the frames in order, and the outcomes they carry. */
  record Answer(List<Frame> frames, List<Outcome> outcomes, Payloads.ErrorReply error) {
    List<Frame> batchResults() {
      return frames.stream().filter(f -> f.type() == FrameType.BATCH_RESULT).toList();
    }

    List<Integer> firstIndexes() throws ProtocolViolation {
      List<Integer> firsts = new ArrayList<>();
      for (Frame f : batchResults()) {
        firsts.add((int) BatchPayloads.outcomes(f.payload()).first());
      }
      return firsts;
    }
  }

  /**
   * Reads replies until batch {@code id} of {@code count} inputs is answered (by the BATCH_RESULT
   * that reaches its last input, or by an ERROR), checking that every frame is the batch's and that
   * each BATCH_RESULT starts where the one before it ended.
   */
  private static Answer awaitAnswer(ProtocolPeer peer, long id, int count, Duration within)
      throws ProtocolViolation {
    List<Frame> frames = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    while (true) {
      Frame frame = peer.awaitReply(within);
      frames.add(frame);
      assertThat(frame.id()).as("%s", frame).isEqualTo(id);
      switch (frame.type()) {
        case PROGRESS -> {}
        case ERROR -> {
          return new Answer(frames, outcomes, Payloads.error(frame.payload()));
        }
        case BATCH_RESULT -> {
          BatchPayloads.Outcomes run = BatchPayloads.outcomes(frame.payload());
          assertThat(run.first()).as("first index of %s", frame).isEqualTo(outcomes.size());
          assertThat(run.first() + run.count()).isLessThanOrEqualTo(count);
          for (int i = 0; i < run.count(); i++) {
            outcomes.add(
                run.isFailure(i)
                    ? new Outcome(null, Payloads.error(run.body(i)))
                    : new Outcome(run.body(i), null));
          }
          if (outcomes.size() == count) {
            return new Answer(frames, outcomes, null);
          }
        }
        default -> throw new AssertionError("a batch answered with " + frame);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersEveryInputInOrder(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    List<String> inputs = IntStream.range(0, 500).mapToObj(i -> "echo:input " + i).toList();

    sendBatch(peer, 1, inputs);
    Answer answer = awaitAnswer(peer, 1, inputs.size(), REPLY);

    assertThat(answer.error()).isNull();
    assertThat(answer.outcomes())
        .extracting(Outcome::text)
        .containsExactlyElementsOf(IntStream.range(0, 500).mapToObj(i -> "input " + i).toList());
    assertThat(peer.unread()).allMatch(f -> f.type() == FrameType.HEARTBEAT);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersOneInputAndEmptyOnes(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    sendBatch(peer, 2, "echo:");
    Answer one = awaitAnswer(peer, 2, 1, REPLY);
    sendBatch(peer, 3, "echo:", "echo:grüezi", "echo:");
    Answer three = awaitAnswer(peer, 3, 3, REPLY);

    assertThat(one.outcomes()).extracting(Outcome::text).containsExactly("");
    assertThat(three.outcomes()).extracting(Outcome::text).containsExactly("", "grüezi", "");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void aFailingInputIsItsOutcomeAndTheBatchGoesOn(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    sendBatch(peer, 4, "echo:a", "fail:it broke, ça arrive", "echo:c");
    Answer answer = awaitAnswer(peer, 4, 3, REPLY);

    assertThat(answer.error()).isNull();
    List<Outcome> outcomes = answer.outcomes();
    assertThat(outcomes.get(0).text()).isEqualTo("a");
    Payloads.ErrorReply error = outcomes.get(1).error();
    assertThat(error).isNotNull();
    assertThat(error.type()).isEqualTo(runtime.failureType());
    assertThat(error.message()).isEqualTo("it broke, ça arrive");
    assertThat(error.trace()).contains(runtime.failureType()).contains("conformance");
    assertThat(outcomes.get(2).text()).isEqualTo("c");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void anOutputThatCannotFitAFrameAloneBecomesResultTooLarge(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime, SMALL_BOUND);
    int fits = SMALL_BOUND - ONE_OUTCOME;

    sendBatch(peer, 5, "big:" + fits, "big:" + (fits + 1), "echo:after");
    Answer answer = awaitAnswer(peer, 5, 3, REPLY);

    assertThat(answer.error()).isNull();
    assertThat(answer.outcomes().get(0).output()).hasSize(fits);
    Payloads.ErrorReply error = answer.outcomes().get(1).error();
    assertThat(error).isNotNull();
    assertThat(error.type()).isEqualTo("ResultTooLarge");
    assertThat(error.message())
        .isEqualTo(
            "the result of "
                + (fits + 1)
                + " bytes is over the pool's maxFrameSize ("
                + SMALL_BOUND
                + " bytes)");
    assertThat(answer.outcomes().get(2).text()).isEqualTo("after");
  }

  /** The peer refuses any frame over the bound, so each one arriving proves it fits. */
  @ParameterizedTest
  @MethodSource("runtimes")
  void splitsOutcomesAcrossFramesWhenTogetherTheyPassTheBound(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime, SMALL_BOUND);
    List<String> inputs = List.of("big:20000", "big:20000", "big:20000", "big:20000", "big:20000");

    sendBatch(peer, 6, inputs);
    Answer answer = awaitAnswer(peer, 6, inputs.size(), REPLY);

    assertThat(answer.batchResults()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(answer.outcomes()).allSatisfy(o -> assertThat(o.output()).hasSize(20000));
  }

  /**
   * The first input takes longer than 10 ms: once it is done, the runtime sends its outcome at
   * once, before the second input starts (whose handler reports "started" first).
   */
  @ParameterizedTest
  @MethodSource("runtimes")
  void sendsWhatItHoldsOnceTenMillisecondsHavePassed(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    sendBatch(peer, 7, "sleep:50", "sleep:300", "echo:b");
    Answer answer = awaitAnswer(peer, 7, 3, REPLY);

    assertThat(answer.outcomes()).extracting(Outcome::text).containsExactly("slept", "slept", "b");
    List<String> sequence =
        answer.frames().stream()
            .map(f -> f.type() == FrameType.PROGRESS ? "PROGRESS" : "BATCH_RESULT")
            .toList();
    assertThat(sequence.subList(0, 3)).containsExactly("PROGRESS", "BATCH_RESULT", "PROGRESS");
    assertThat(answer.firstIndexes().get(0)).isZero();
    assertThat(answer.firstIndexes()).hasSizeGreaterThanOrEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void sendsProgressWithTheBatchId(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    sendBatch(peer, 8, "progress:2", "echo:x", "progress:1");
    Answer answer = awaitAnswer(peer, 8, 3, REPLY);

    assertThat(answer.frames())
        .filteredOn(f -> f.type() == FrameType.PROGRESS)
        .extracting(f -> text(f.payload()))
        .containsExactly("step 1", "step 2", "step 1");
    assertThat(answer.outcomes()).extracting(Outcome::text).containsExactly("done", "x", "done");
  }

  /**
   * The batch stops at the running input: the input after it, which would leave a file, never runs;
   * the next task proves the runtime is done with the batch and serves on.
   */
  @ParameterizedTest
  @MethodSource("runtimes")
  void cancelsARunningBatchWithoutRunningTheInputsAfterIt(RuntimeUnderTest runtime)
      throws Exception {
    ProtocolPeer peer = ready(runtime);
    sendBatch(peer, 9, "echo:a", "sleep:60000", "mark:after-the-cancel", "echo:b");
    List<Frame> before = new ArrayList<>();
    Frame frame = peer.awaitReply(REPLY);
    while (frame.type() != FrameType.PROGRESS) { // the sleeping input has started
      before.add(frame);
      frame = peer.awaitReply(REPLY);
    }

    peer.send(FrameType.CANCEL, 9);
    Answer answer = awaitAnswer(peer, 9, 4, QUICKLY);

    assertThat(answer.error()).as("the batch's answer").isNotNull();
    assertThat(answer.error().type()).isEqualTo("Cancelled");
    List<Outcome> sent = new ArrayList<>();
    for (Frame f : before) {
      BatchPayloads.Outcomes run = BatchPayloads.outcomes(f.payload());
      for (int i = 0; i < run.count(); i++) {
        sent.add(new Outcome(run.body(i), null));
      }
    }
    sent.addAll(answer.outcomes());
    assertThat(sent).as("outcomes sent before the ERROR").hasSizeLessThanOrEqualTo(1);
    assertThat(sent).extracting(Outcome::text).allMatch("a"::equals);
    peer.send(FrameType.TASK, 10, "echo:next");
    Frame next = peer.awaitReply(REPLY);
    assertThat(next.type()).as("%s", next).isEqualTo(FrameType.RESULT);
    assertThat(text(next.payload())).isEqualTo("next");
    assertThat(dir.resolve("after-the-cancel")).doesNotExist();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersABatchCancelledWhileItWaitsCancelledInItsTurnWithoutRunningIt(
      RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    sendBatch(peer, 11, "sleep:300");
    assertThat(peer.awaitReply(REPLY).type()).isEqualTo(FrameType.PROGRESS);

    sendBatch(peer, 12, "mark:waiting", "echo:x");
    peer.send(FrameType.CANCEL, 12);
    peer.send(FrameType.TASK, 13, "echo:after");

    Answer first = awaitAnswer(peer, 11, 1, REPLY);
    Answer second = awaitAnswer(peer, 12, 2, REPLY);
    Frame third = peer.awaitReply(REPLY);

    assertThat(first.outcomes()).extracting(Outcome::text).containsExactly("slept");
    assertThat(second.frames()).hasSize(1);
    assertThat(second.error()).isNotNull();
    assertThat(second.error().type()).isEqualTo("Cancelled");
    assertThat(third.type()).as("%s", third).isEqualTo(FrameType.RESULT);
    assertThat(third.id()).isEqualTo(13);
    assertThat(dir.resolve("waiting")).doesNotExist();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void servesTasksAndBatchesOneAfterTheOther(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);

    peer.send(FrameType.TASK, 14, "echo:task before");
    Frame before = peer.awaitReply(REPLY);
    sendBatch(peer, 15, "echo:in the batch", "fail:no");
    Answer batch = awaitAnswer(peer, 15, 2, REPLY);
    peer.send(FrameType.TASK, 16, "echo:task after");
    Frame after = peer.awaitReply(REPLY);
    // sent early, as a pool with more than one task in flight does
    sendBatch(peer, 17, "echo:one");
    peer.send(FrameType.TASK, 18, "echo:two");
    Answer early = awaitAnswer(peer, 17, 1, REPLY);
    Frame two = peer.awaitReply(REPLY);

    assertThat(List.of(before, after, two))
        .extracting(f -> f.type() + " " + f.id() + " " + text(f.payload()))
        .containsExactly("RESULT 14 task before", "RESULT 16 task after", "RESULT 18 two");
    assertThat(batch.outcomes().get(0).text()).isEqualTo("in the batch");
    assertThat(batch.outcomes().get(1).error()).isNotNull();
    assertThat(early.outcomes()).extracting(Outcome::text).containsExactly("one");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void answersTheRunningBatchThenExitsZeroOnShutdown(RuntimeUnderTest runtime) throws Exception {
    ProtocolPeer peer = ready(runtime);
    sendBatch(peer, 19, "sleep:300", "echo:last");
    assertThat(peer.awaitReply(REPLY).type()).isEqualTo(FrameType.PROGRESS);

    peer.send(FrameType.SHUTDOWN, 0);
    Answer answer = awaitAnswer(peer, 19, 2, REPLY);

    assertThat(answer.outcomes()).extracting(Outcome::text).containsExactly("slept", "last");
    assertThat(peer.awaitExit(REPLY)).isZero();
    await().atMost(REPLY).until(peer::stdoutEnded);
    assertThat(peer.unread()).as("frames after the answer").isEmpty();
  }
}
