package dev.stockade.internal.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * Reads frames from a stream and checks each header before it trusts it: magic (as soon as its two
 * bytes are in, so stray text is named as such), type, flags, and a length within {@code
 * maxFrameSize} — a claimed length over the limit is refused before anything is allocated or read
 * for it.
 */
public final class FrameReader {
  private final InputStream in;
  private final int maxFrameSize;
  private final byte[] header = new byte[Wire.HEADER_BYTES];

  public FrameReader(InputStream in, int maxFrameSize) {
    this.in = in;
    this.maxFrameSize = maxFrameSize;
  }

  /**
   * The next frame, or null when the stream ended cleanly between two frames.
   *
   * @throws ProtocolViolation if the bytes are not a well-formed frame, or the stream ended inside
   *     one
   * @throws IOException if reading failed
   */
  public Frame next() throws IOException, ProtocolViolation {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    header[0] = (byte) first;
    // The magic is checked as soon as it is in: stray output shorter than a header ("ok\n",
    // then exit or silence) must be named as such, not as a truncated or a pending frame.
    readFully(header, 1, 1, FrameReader::header);
    if ((header[0] & 0xFF) != Wire.MAGIC_0 || (header[1] & 0xFF) != Wire.MAGIC_1) {
      throw new ProtocolViolation(
          String.format(
              "bad magic 0x%02X%02X, expected 0x534B ('SK'); the first bytes were \"%s\" — "
                  + "is something else writing to the worker's stdout?",
              header[0] & 0xFF, header[1] & 0xFF, printable(header, 2 + readAvailable(2))));
    }
    readFully(header, 2, Wire.HEADER_BYTES - 2, FrameReader::header);
    int code = header[2] & 0xFF;
    FrameType type = FrameType.ofCode(code);
    if (type == null) {
      throw new ProtocolViolation(String.format("unknown frame type 0x%02X", code));
    }
    if (header[3] != 0) {
      throw new ProtocolViolation(
          String.format("flags of a %s frame must be 0, but were 0x%02X", type, header[3] & 0xFF));
    }
    long id = 0;
    for (int i = 4; i < 12; i++) {
      id = (id << 8) | (header[i] & 0xFF);
    }
    long length =
        ((header[12] & 0xFFL) << 24)
            | ((header[13] & 0xFFL) << 16)
            | ((header[14] & 0xFFL) << 8)
            | (header[15] & 0xFFL);
    if (length > maxFrameSize) {
      throw new ProtocolViolation(
          "a "
              + type
              + " frame of "
              + length
              + " bytes is over maxFrameSize ("
              + maxFrameSize
              + " bytes)");
    }
    byte[] payload = new byte[(int) length];
    readFully(payload, 0, payload.length, () -> type + " payload of " + length + " bytes");
    return new Frame(type, id, payload);
  }

  /** {@code what} names the part for the error message; built only if it is needed. */
  private void readFully(byte[] into, int offset, int count, Supplier<String> what)
      throws IOException, ProtocolViolation {
    int done = 0;
    while (done < count) {
      int n;
      try {
        n = in.read(into, offset + done, count - done);
      } catch (EOFException e) {
        n = -1;
      }
      if (n < 0) {
        throw new ProtocolViolation(
            "truncated frame: the stream ended after "
                + (offset + done)
                + " of "
                + into.length
                + " bytes of the "
                + what.get());
      }
      done += n;
    }
  }

  /**
   * Reads into the header from {@code offset} what the stream has ready without blocking, for the
   * error message only; returns how many bytes that was.
   */
  private int readAvailable(int offset) {
    try {
      int ready = Math.min(in.available(), header.length - offset);
      return ready > 0 ? Math.max(0, in.read(header, offset, ready)) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String printable(byte[] bytes, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      int c = bytes[i] & 0xFF;
      text.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
    }
    return text.toString();
  }

  /** What a short read of a frame's header names. */
  private static String header() {
    return "header";
  }
}
