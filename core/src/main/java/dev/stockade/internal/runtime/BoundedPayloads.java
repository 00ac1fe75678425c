package dev.stockade.internal.runtime;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The payloads of the frames a runtime sends, kept within the supervisor's {@code maxFrameSize} as
 * {@code docs/protocol.md} ("Bounds") prescribes, so that no text a handler produces can make the
 * pool end its worker: a result over the bound becomes an ERROR of type {@code ResultTooLarge}; an
 * ERROR's type, message and trace each get the room the fields before them left, and once one is
 * cut those after it stay empty; a PROGRESS note is cut to the bound. A cut keeps the longest
 * prefix of whole characters: it never ends inside a UTF-8 sequence.
 */
final class BoundedPayloads {
  /** The two 4-byte lengths in front of an ERROR's type and message. */
  private static final int ERROR_FIELD_LENGTHS = 8;

  private BoundedPayloads() {}

  /** A PROGRESS payload: {@code note} as UTF-8, cut to {@code limit} bytes. */
  static byte[] progress(String note, int limit) {
    return Text.within(note, limit).bytes;
  }

  /**
   * An ERROR payload of at most {@code limit} bytes: the type, the message and the trace each get
   * the room the fields before them left; once one is cut, those after it stay empty.
   */
  static byte[] error(String type, String message, String trace, int limit) {
    int room = Math.max(0, limit - ERROR_FIELD_LENGTHS);
    Text t = Text.within(type, room);
    Text m = t.whole ? Text.within(message, room - t.bytes.length) : Text.EMPTY;
    Text s = m.whole ? Text.within(trace, room - t.bytes.length - m.bytes.length) : Text.EMPTY;
    return ByteBuffer.allocate(
            ERROR_FIELD_LENGTHS + t.bytes.length + m.bytes.length + s.bytes.length)
        .putInt(t.bytes.length)
        .put(t.bytes)
        .putInt(m.bytes.length)
        .put(m.bytes)
        .put(s.bytes)
        .array();
  }

  /** The ERROR that answers a task whose result of {@code size} bytes is over the bound. */
  static byte[] resultTooLarge(int size, int limit) {
    return resultTooLarge(size, limit, limit);
  }

  /**
   * The ERROR for a result of {@code size} bytes that does not fit a frame under the pool's {@code
   * bound}, within {@code limit} bytes (a batch's outcome has less room than the bound).
   */
  static byte[] resultTooLarge(int size, int bound, int limit) {
    return error(
        "ResultTooLarge",
        "the result of " + size + " bytes is over the pool's maxFrameSize (" + bound + " bytes)",
        "",
        limit);
  }

  /**
   * The stack trace of {@code t} as {@link Throwable#printStackTrace} writes it, but only its first
   * {@code limit} characters are kept: at least one byte each, they are all a frame of {@code
   * limit} bytes could hold, and a cause chain with huge messages must not exhaust the worker's
   * heap on the way to being cut.
   */
  static String trace(Throwable t, int limit) {
    FirstCharacters text = new FirstCharacters(limit);
    t.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  /** Text as UTF-8 within a limit, and whether all of it fitted. */
  // Carries bytes from the encoder to the frame; never compared, hashed or shared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Text(byte[] bytes, boolean whole) {
    static final Text EMPTY = new Text(new byte[0], false);

    /**
     * {@code text} as UTF-8, cut to at most {@code limit} bytes at a character boundary. Only the
     * first {@code limit} chars are encoded, less a high surrogate whose pair they would split:
     * every char takes at least one byte, so nothing after them could fit.
     */
    static Text within(String text, int limit) {
      String head = text;
      if (text.length() > limit) {
        int end = Math.max(0, limit);
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
          end--;
        }
        head = text.substring(0, end);
      }
      byte[] bytes = head.getBytes(StandardCharsets.UTF_8);
      if (bytes.length <= limit) {
        return new Text(bytes, head.length() == text.length());
      }
      int kept = Math.max(0, limit);
      while (kept > 0 && (bytes[kept] & 0xC0) == 0x80) { // bytes[kept] continues a character
        kept--;
      }
      return new Text(Arrays.copyOf(bytes, kept), false);
    }
  }

  /** A writer that keeps the first characters written to it, up to a limit. */
  private static final class FirstCharacters extends Writer {
    private final StringBuilder kept = new StringBuilder();
    private final int limit;

    FirstCharacters(int limit) {
      this.limit = Math.max(0, limit);
    }

    @Override
    public void write(char[] chars, int offset, int length) {
      kept.append(chars, offset, Math.min(length, limit - kept.length()));
    }

    @Override
    public void write(String text, int offset, int length) { // no copy of a huge message
      kept.append(text, offset, offset + Math.min(length, limit - kept.length()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return kept.toString();
    }
  }
}
