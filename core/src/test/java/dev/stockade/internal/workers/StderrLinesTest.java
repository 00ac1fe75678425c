package dev.stockade.internal.workers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How a worker's stderr becomes log records: bounded, cut visibly, decoded safely. */
class StderrLinesTest {

  /** A stream that hands out its pieces one read at a time, as a pipe hands out writes. */
  private static final class Pieces extends InputStream {
    private final Deque<byte[]> pieces = new ArrayDeque<>();

    Pieces(byte[]... pieces) {
      this.pieces.addAll(Arrays.asList(pieces));
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException("the pump reads in chunks");
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      byte[] next = pieces.poll();
      if (next == null) {
        return -1;
      }
      if (next.length > length) {
        pieces.addFirst(Arrays.copyOfRange(next, length, next.length));
        next = Arrays.copyOf(next, length);
      }
      System.arraycopy(next, 0, buffer, offset, next.length);
      return next.length;
    }
  }

  /** Pumps {@code in} to its end on this thread and returns the records kept. */
  private static List<String> records(InputStream in) {
    StderrLines lines = StderrLines.forward(in, "test", "w1", Runnable::run);
    assertThat(lines.drained()).isDone();
    String all = lines.lastLines(100);
    return all.isEmpty() ? List.of() : List.of(all.split("\n", -1));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] repeat(String text, int times) {
    return utf8(text.repeat(times));
  }

  @Test
  void cutsALongLineToOneBoundedRecordThatSaysItWasCut() {
    byte[] longLine = repeat("x", 1_000_000);
    List<String> records = records(new Pieces(longLine, utf8("\nnext\n")));

    assertThat(records).hasSize(2);
    assertThat(records.get(0))
        .isEqualTo("x".repeat(StderrLines.MAX_LINE_BYTES) + StderrLines.CUT_MARK);
    assertThat(records.get(1)).isEqualTo("next");
  }

  @Test
  void keepsALineOfExactlyTheBoundWhole() {
    List<String> records = records(new Pieces(repeat("y", StderrLines.MAX_LINE_BYTES), utf8("\n")));

    assertThat(records).containsExactly("y".repeat(StderrLines.MAX_LINE_BYTES));
  }

  @Test
  void neverCutsInsideACharacter() {
    // 4095 ASCII bytes, then a 3-byte euro sign across the 4096-byte bound.
    byte[] line = utf8("a".repeat(StderrLines.MAX_LINE_BYTES - 1) + "€€€");
    List<String> records = records(new Pieces(line, utf8("\n")));

    assertThat(records)
        .containsExactly("a".repeat(StderrLines.MAX_LINE_BYTES - 1) + StderrLines.CUT_MARK);
  }

  @Test
  void decodesACharacterSplitAcrossTwoReads() {
    byte[] euro = utf8("€");
    List<String> records =
        records(
            new Pieces(
                utf8("price: "),
                new byte[] {euro[0]},
                new byte[] {euro[1], euro[2]},
                utf8(" 3\n")));

    assertThat(records).containsExactly("price: € 3");
  }

  @Test
  void endsLinesAtNewlineCarriageReturnNewlineAndALoneCarriageReturn() {
    List<String> records = records(new Pieces(utf8("one\r"), utf8("\ntwo\rthree\n"), utf8("four")));

    assertThat(records).containsExactly("one", "two", "three", "four");
  }

  @Test
  void replacesMalformedBytesInsteadOfFailing() {
    List<String> records = records(new Pieces(new byte[] {'a', (byte) 0xC3, '(', '\n'}));

    assertThat(records).containsExactly("a\uFFFD(");
  }

  @Test
  void reportsAPumpThatThrowsAnErrorToItsCallbackOnce() {
    OutOfMemoryError thrown = new OutOfMemoryError("thrown by the test's stream");
    InputStream failing =
        new InputStream() {
          @Override
          public int read() {
            throw thrown;
          }

          @Override
          public int read(byte[] buffer, int offset, int length) {
            throw thrown;
          }
        };
    StderrLines lines = StderrLines.forward(failing, "test", "w1", Runnable::run);
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Throwable> seen = new AtomicReference<>();
    lines.onFailure(
        e -> {
          calls.incrementAndGet();
          seen.set(e);
        });

    assertThat(calls).hasValue(1);
    assertThat(seen.get()).isSameAs(thrown);
    assertThat(lines.failure()).isSameAs(thrown);
    assertThat(lines.drained()).isDone();
  }

  @Test
  void keepsTheLastTwentyRecordsForMessages() {
    List<byte[]> pieces = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      pieces.add(utf8("line " + i + "\n"));
    }
    List<String> records = records(new Pieces(pieces.toArray(new byte[0][])));

    assertThat(records).hasSize(20).startsWith("line 81").endsWith("line 100");
  }
}
