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
    readFully(header, 1, 1, FrameReader::header);
    if (!FrameHeader.hasMagic(header)) {
      throw FrameHeader.badMagic(header, 2 + readAvailable(2));
    }
    readFully(header, 2, Wire.HEADER_BYTES - 2, FrameReader::header);
    FrameHeader parsed = FrameHeader.parse(header, maxFrameSize);
    byte[] payload = new byte[parsed.length()];
    readFully(payload, 0, payload.length, parsed::payloadPart);
    return new Frame(parsed.type(), parsed.id(), payload);
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
        throw FrameHeader.truncated(offset + done, into.length, what.get());
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

  /** What a short read of a frame's header names. */
  private static String header() {
    return "header";
  }
}
