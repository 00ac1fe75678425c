package dev.stockade.internal.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Encodes and decodes the structured payloads of HELLO and ERROR. */
public final class Payloads {
  /** The protocol version this side speaks. */
  public static final int PROTOCOL_VERSION = 2;

  private Payloads() {}

  /** A decoded HELLO. */
  public record Hello(int version, long pid, String runtime) {}

  /** A decoded ERROR: what the handler raised. */
  public record ErrorReply(String type, String message, String trace) {}

  public static byte[] hello(int version, long pid, String runtime) {
    byte[] name = runtime.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(6 + name.length)
        .putShort((short) version)
        .putInt((int) pid)
        .put(name)
        .array();
  }

  public static Hello hello(byte[] payload) throws ProtocolViolation {
    if (payload.length < 6) {
      throw new ProtocolViolation(
          "a HELLO payload needs at least 6 bytes, but had " + payload.length);
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    int version = in.getShort() & 0xFFFF;
    long pid = in.getInt() & 0xFFFFFFFFL;
    return new Hello(version, pid, utf8(payload, 6, payload.length - 6, "HELLO runtime"));
  }

  public static byte[] error(String type, String message, String trace) {
    byte[] t = type.getBytes(StandardCharsets.UTF_8);
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    byte[] s = trace.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + t.length + m.length + s.length)
        .putInt(t.length)
        .put(t)
        .putInt(m.length)
        .put(m)
        .put(s)
        .array();
  }

  public static ErrorReply error(byte[] payload) throws ProtocolViolation {
    int[] at = {0};
    String type = stringField(payload, at, "type");
    String message = stringField(payload, at, "message");
    return new ErrorReply(
        type, message, utf8(payload, at[0], payload.length - at[0], "ERROR trace"));
  }

  /** Text of a PROGRESS note (may be empty). */
  public static String text(byte[] payload, String what) throws ProtocolViolation {
    return utf8(payload, 0, payload.length, what);
  }

  private static String stringField(byte[] payload, int[] at, String field)
      throws ProtocolViolation {
    if (payload.length - at[0] < 4) {
      throw new ProtocolViolation(
          "ERROR payload ends inside the length of its "
              + field
              + " field ("
              + payload.length
              + " bytes)");
    }
    long length = ByteBuffer.wrap(payload, at[0], 4).getInt() & 0xFFFFFFFFL;
    at[0] += 4;
    if (length > payload.length - at[0]) {
      throw new ProtocolViolation(
          "ERROR "
              + field
              + " field claims "
              + length
              + " bytes but only "
              + (payload.length - at[0])
              + " remain");
    }
    String value = utf8(payload, at[0], (int) length, "ERROR " + field);
    at[0] += (int) length;
    return value;
  }

  private static String utf8(byte[] bytes, int offset, int length, String what)
      throws ProtocolViolation {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolViolation(what + " is not valid UTF-8");
    }
  }
}
