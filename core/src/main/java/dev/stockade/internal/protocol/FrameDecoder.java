package dev.stockade.internal.protocol;

/**
 * Decodes frames from bytes as they arrive, in pieces of any size, for a reader that must never
 * block inside a frame: it can hand over whatever a non-blocking read returned, and take up the
 * frame where the last piece left it. It checks each header exactly as {@link FrameReader} does, in
 * the same words: the magic as soon as its two bytes are in, and a claimed length over {@code
 * maxFrameSize} before anything is allocated for it.
 *
 * <p>Not thread-safe: one reader at a time, however many threads take turns.
 */
public final class FrameDecoder {
  /** Takes each whole frame; returns why it breaks the protocol, or null to go on. */
  @FunctionalInterface
  public interface FrameSink {
    String accept(Frame frame) throws ProtocolViolation;
  }

  private final int maxFrameSize;
  private final byte[] header = new byte[Wire.HEADER_BYTES];
  private int headerFilled;
  private FrameHeader pending;
  private byte[] payload;
  private int payloadFilled;

  public FrameDecoder(int maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
  }

  /**
   * Decodes {@code length} bytes from {@code bytes[offset]}, handing each frame they complete to
   * {@code sink} in order. Bytes after a frame the sink refuses are not decoded.
   *
   * @return why the sink refused a frame, or null
   * @throws ProtocolViolation if the bytes are not well-formed frames
   */
  public String decode(byte[] bytes, int offset, int length, FrameSink sink)
      throws ProtocolViolation {
    int at = offset;
    int end = offset + length;
    while (at < end) {
      if (pending == null) {
        int take = Math.min(Wire.HEADER_BYTES - headerFilled, end - at);
        boolean magicWasIn = headerFilled >= 2;
        System.arraycopy(bytes, at, header, headerFilled, take);
        headerFilled += take;
        at += take;
        if (!magicWasIn && headerFilled >= 2 && !FrameHeader.hasMagic(header)) {
          throw FrameHeader.badMagic(header, headerFilled);
        }
        if (headerFilled < Wire.HEADER_BYTES) {
          return null;
        }
        pending = FrameHeader.parse(header, maxFrameSize);
        payload = new byte[pending.length()];
        payloadFilled = 0;
      }
      int take = Math.min(payload.length - payloadFilled, end - at);
      System.arraycopy(bytes, at, payload, payloadFilled, take);
      payloadFilled += take;
      at += take;
      if (payloadFilled == payload.length) {
        Frame frame = new Frame(pending.type(), pending.id(), payload);
        pending = null;
        payload = null;
        headerFilled = 0;
        String why = sink.accept(frame);
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  /**
   * The stream ended.
   *
   * @throws ProtocolViolation if it ended inside a frame
   */
  public void endOfStream() throws ProtocolViolation {
    if (pending != null) {
      throw FrameHeader.truncated(payloadFilled, payload.length, pending.payloadPart());
    }
    if (headerFilled > 0) {
      throw FrameHeader.truncated(headerFilled, Wire.HEADER_BYTES, "header");
    }
  }
}
