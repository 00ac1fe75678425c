package dev.stockade.internal.protocol;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes frames to a stream, one whole frame at a time: calls from several threads (the task
 * thread, a heartbeat thread) never interleave inside a frame.
 */
public final class FrameWriter implements AutoCloseable {
  private final OutputStream out;

  public FrameWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes {@code frame} and flushes it. */
  public synchronized void write(Frame frame) throws IOException {
    out.write(encode(frame));
    out.flush();
  }

  /** The frame's bytes: header and payload in one array, so one write() carries it. */
  public static byte[] encode(Frame frame) {
    byte[] payload = frame.payload();
    byte[] bytes = new byte[Wire.HEADER_BYTES + payload.length];
    bytes[0] = (byte) Wire.MAGIC_0;
    bytes[1] = (byte) Wire.MAGIC_1;
    bytes[2] = (byte) frame.type().code();
    bytes[3] = 0;
    long id = frame.id();
    for (int i = 0; i < 8; i++) {
      bytes[4 + i] = (byte) (id >>> (56 - 8 * i));
    }
    int length = payload.length;
    bytes[12] = (byte) (length >>> 24);
    bytes[13] = (byte) (length >>> 16);
    bytes[14] = (byte) (length >>> 8);
    bytes[15] = (byte) length;
    System.arraycopy(payload, 0, bytes, Wire.HEADER_BYTES, length);
    return bytes;
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
