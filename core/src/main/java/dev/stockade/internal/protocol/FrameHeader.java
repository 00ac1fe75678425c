package dev.stockade.internal.protocol;

/**
 * The checks of a frame's 16-byte header, shared by the blocking {@link FrameReader} and the
 * incremental {@link FrameDecoder} so that both name a broken frame in the same words.
 *
 * @param type its type
 * @param id its task id, ping nonce or 0
 * @param length its payload's length, within the reader's {@code maxFrameSize}
 */
record FrameHeader(FrameType type, long id, int length) {

  /**
   * Whether a frame starts with the magic. It is checked as soon as its two bytes are in: stray
   * output shorter than a header ("ok\n", then exit or silence) must be named as such, not as a
   * truncated or a pending frame.
   */
  static boolean hasMagic(byte[] bytes) {
    return (bytes[0] & 0xFF) == Wire.MAGIC_0 && (bytes[1] & 0xFF) == Wire.MAGIC_1;
  }

  /**
   * The violation of a frame without the magic.
   *
   * @param bytes the bytes read so far, the would-be magic first
   * @param count how many of them there are (2 or more); all are shown
   */
  static ProtocolViolation badMagic(byte[] bytes, int count) {
    return new ProtocolViolation(
        String.format(
            "bad magic 0x%02X%02X, expected 0x534B ('SK'); the first bytes were \"%s\" — "
                + "is something else writing to the worker's stdout?",
            bytes[0] & 0xFF, bytes[1] & 0xFF, printable(bytes, count)));
  }

  /** Checks the rest of a whole header, whose magic was checked; a claimed length first of all. */
  static FrameHeader parse(byte[] header, int maxFrameSize) throws ProtocolViolation {
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
    return new FrameHeader(type, id, (int) length);
  }

  /** The message of a stream that ended inside a frame. */
  static ProtocolViolation truncated(int got, int of, String part) {
    return new ProtocolViolation(
        "truncated frame: the stream ended after " + got + " of " + of + " bytes of the " + part);
  }

  /** What a short read of a frame's payload names. */
  String payloadPart() {
    return type + " payload of " + length + " bytes";
  }

  private static String printable(byte[] bytes, int count) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < count; i++) {
      int c = bytes[i] & 0xFF;
      text.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
    }
    return text.toString();
  }
}
