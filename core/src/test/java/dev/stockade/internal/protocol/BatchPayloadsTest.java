package dev.stockade.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The payloads of BATCH and BATCH_RESULT as {@code docs/protocol.md} ("Batches") lays them out. */
class BatchPayloadsTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void roundTripsTheInputsOfABatchIncludingEmptyOnes() throws Exception {
    List<byte[]> inputs = List.of(utf8("a"), new byte[0], utf8("grüezi"));

    byte[] payload = BatchPayloads.batch(inputs);

    assertThat(payload).hasSize(4 + 3 * 4 + 1 + 0 + 7);
    assertThat(BatchPayloads.inputs(payload))
        .containsExactly(utf8("a"), new byte[0], utf8("grüezi"));
  }

  @Test
  void refusesABatchOfNoInputsAndOneWhoseLengthsDoNotAddUp() {
    assertThatThrownBy(() -> BatchPayloads.inputs(new byte[] {0, 0, 0, 0}))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessage("a BATCH of 0 inputs");
    byte[] shortOfItsLengths = ByteBuffer.allocate(8).putInt(2).putInt(1).array();
    assertThatThrownBy(() -> BatchPayloads.inputs(shortOfItsLengths))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("needs 12 bytes for its lengths, but had 8");
    byte[] leftOver =
        ByteBuffer.allocate(10).putInt(1).putInt(1).put((byte) 'x').put((byte) 'y').array();
    assertThatThrownBy(() -> BatchPayloads.inputs(leftOver))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("lengths add up to 9 bytes, but it had 10");
  }

  @Test
  void roundTripsOutcomesWithTheirKindsAndFirstIndex() throws Exception {
    byte[] error = Payloads.error("ValueError", "bad", "trace");
    byte[] payload =
        BatchPayloads.outcomes(
            7,
            new byte[] {BatchPayloads.OUTPUT, BatchPayloads.FAILURE, BatchPayloads.OUTPUT},
            List.of(utf8("x"), error, new byte[0]));

    BatchPayloads.Outcomes outcomes = BatchPayloads.outcomes(payload);

    assertThat(outcomes.first()).isEqualTo(7);
    assertThat(outcomes.count()).isEqualTo(3);
    assertThat(outcomes.isFailure(0)).isFalse();
    assertThat(outcomes.body(0)).isEqualTo(utf8("x"));
    assertThat(outcomes.isFailure(1)).isTrue();
    assertThat(Payloads.error(outcomes.body(1)))
        .isEqualTo(new Payloads.ErrorReply("ValueError", "bad", "trace"));
    assertThat(outcomes.body(2)).isEmpty();
  }

  @Test
  void refusesOutcomesOfAnUnknownKindOrWithLengthsPastTheirPayload() {
    byte[] badKind = BatchPayloads.outcomes(0, new byte[] {3}, List.of(utf8("x")));
    assertThatThrownBy(() -> BatchPayloads.outcomes(badKind))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessage("BATCH_RESULT outcome 0 has kind 3");
    byte[] good = BatchPayloads.outcomes(0, new byte[] {0}, List.of(utf8("xyz")));
    byte[] cut = Arrays.copyOf(good, good.length - 1);
    assertThatThrownBy(() -> BatchPayloads.outcomes(cut))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("claims 3 bytes, but 2 remain");
    byte[] none = ByteBuffer.allocate(8).putInt(0).putInt(0).array();
    assertThatThrownBy(() -> BatchPayloads.outcomes(none))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessage("a BATCH_RESULT of 0 outcomes");
  }
}
