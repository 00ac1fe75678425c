package dev.stockade.internal.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One protocol frame: a type, an id (task id, ping nonce or 0) and a payload. The payload array is
 * owned by the frame once built; nobody writes to it afterwards.
 */
// equals and hashCode compare the payload's bytes, and the frame owns its array.
@SuppressWarnings("ArrayRecordComponent")
public record Frame(FrameType type, long id, byte[] payload) {
  private static final byte[] EMPTY = new byte[0];

  public Frame {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
  }

  public static Frame of(FrameType type, long id) {
    return new Frame(type, id, EMPTY);
  }

  public static Frame of(FrameType type, long id, byte[] payload) {
    return new Frame(type, id, payload);
  }

  public static Frame text(FrameType type, long id, String text) {
    return new Frame(type, id, text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return type + "(id=" + id + ", " + payload.length + " bytes)";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Frame f
        && f.type == type
        && f.id == id
        && Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, id, Arrays.hashCode(payload));
  }
}
