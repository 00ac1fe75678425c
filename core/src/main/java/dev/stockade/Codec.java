package dev.stockade;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Turns task inputs into payload bytes and payload bytes into results. A worker speaks bytes;
 * a codec gives them a type on the pool's side. Implementations must be thread-safe.
 *
 * <p>An {@link #encode} failure is the caller's: {@code submit} throws it as an
 * {@link IllegalArgumentException}. A {@link #decode} failure is the worker's: its output was
 * malformed, so the task fails with {@link WorkerProtocolException} and the worker is replaced.
 *
 * @param <T> the type on the pool's side
 */
public interface Codec<T> {
  byte[] encode(T value) throws Exception;

  T decode(byte[] bytes) throws Exception;

  /** The payload bytes as they are (the array is not copied). */
  static Codec<byte[]> bytes() {
    return new Codec<>() {
      @Override
      public byte[] encode(byte[] value) {
        return value;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }

      @Override
      public String toString() {
        return "Codec.bytes()";
      }
    };
  }

  /** Text as UTF-8; decoding rejects bytes that are not valid UTF-8 instead of replacing them. */
  static Codec<String> utf8() {
    return new Codec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString();
      }

      @Override
      public String toString() {
        return "Codec.utf8()";
      }
    };
  }
}
