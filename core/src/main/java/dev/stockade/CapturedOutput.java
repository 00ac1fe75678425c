package dev.stockade;

import java.nio.charset.StandardCharsets;

/**
 * What a process wrote to one stream: the last bytes, up to the pool's capture bound, and the count
 * of all bytes written. Output past the bound is dropped from the front, so the end of the output —
 * where errors usually are — is always kept.
 */
public final class CapturedOutput {
  private static final CapturedOutput EMPTY = new CapturedOutput(new byte[0], 0);

  private final byte[] tail;
  private final long totalBytes;

  private CapturedOutput(byte[] tail, long totalBytes) {
    this.tail = tail;
    this.totalBytes = totalBytes;
  }

  /**
   * Captured output; {@code tail} is not copied and must not be changed afterwards.
   *
   * @param tail the last bytes of the stream, as kept
   * @param totalBytes every byte the stream carried, the kept ones included
   * @return the captured output; the one empty instance when both are empty
   * @throws IllegalArgumentException if {@code totalBytes} is less than the tail's length
   */
  public static CapturedOutput of(byte[] tail, long totalBytes) {
    if (totalBytes < tail.length) {
      throw new IllegalArgumentException(
          "totalBytes must be >= the tail's length " + tail.length + ", but was " + totalBytes);
    }
    return tail.length == 0 && totalBytes == 0 ? EMPTY : new CapturedOutput(tail, totalBytes);
  }

  /**
   * Nothing captured: no byte kept, none written.
   *
   * @return the empty output
   */
  public static CapturedOutput empty() {
    return EMPTY;
  }

  /**
   * A copy of the kept bytes.
   *
   * @return the kept bytes, in a new array on each call
   */
  public byte[] bytes() {
    return tail.clone();
  }

  /**
   * The kept bytes decoded as UTF-8 (malformed sequences replaced).
   *
   * @return the kept bytes as text
   */
  public String text() {
    return new String(tail, StandardCharsets.UTF_8);
  }

  /**
   * Every byte the stream carried, including those dropped.
   *
   * @return the count of all bytes written to the stream, at least the length of {@link #bytes()}
   */
  public long totalBytes() {
    return totalBytes;
  }

  /**
   * True when bytes were dropped from the front.
   *
   * @return whether bytes were dropped from the front
   */
  public boolean isTruncated() {
    return totalBytes > tail.length;
  }

  /**
   * The last {@code maxLines} lines of the kept text, for messages.
   *
   * @param maxLines the most lines to return
   * @return those lines joined by their line breaks, without the final line break; empty if nothing
   *     was kept
   */
  public String lastLines(int maxLines) {
    String text = text();
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    int start = end;
    int lines = 0;
    while (start > 0) {
      if (text.charAt(start - 1) == '\n' && ++lines == maxLines) {
        break;
      }
      start--;
    }
    return text.substring(start, end);
  }

  @Override
  public String toString() {
    return isTruncated()
        ? "CapturedOutput[last " + tail.length + " of " + totalBytes + " bytes]"
        : "CapturedOutput[" + totalBytes + " bytes]";
  }
}
