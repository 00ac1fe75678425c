package dev.stockade;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;

/**
 * Turns task inputs into payload bytes and payload bytes into results. A worker speaks bytes; a
 * codec gives them a type on the pool's side. Implementations must be thread-safe.
 *
 * <p>An {@link #encode} failure is the caller's: {@code submit} throws it as an {@link
 * IllegalArgumentException}. A {@link #decode} failure is the worker's: its output was malformed,
 * so the task fails with {@link WorkerProtocolException} and the worker is replaced. {@link
 * #decode} runs on the thread that reads the worker's replies, so it must be quick and must not
 * block: a pure function of the bytes.
 *
 * @param <T> the type on the pool's side
 */
public interface Codec<T> {
  /**
   * The payload bytes of a task input or result.
   *
   * @param value the value to encode
   * @return its bytes; not null
   * @throws Exception if the value cannot be encoded; {@code submit} throws it to its caller
   *     wrapped in an {@link IllegalArgumentException}
   */
  byte[] encode(T value) throws Exception;

  /**
   * The value the payload bytes stand for.
   *
   * @param bytes a payload, as the worker sent it
   * @return the value
   * @throws Exception if the bytes are malformed; the task then fails with {@link
   *     WorkerProtocolException}
   */
  T decode(byte[] bytes) throws Exception;

  /**
   * The payload bytes as they are (the array is not copied).
   *
   * @return a codec whose encode and decode return their argument
   */
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

  /**
   * Text as UTF-8, refusing what UTF-8 cannot carry instead of replacing it with {@code '?'} or
   * U+FFFD: {@link #encode} throws {@link IllegalArgumentException} for a string holding a lone
   * surrogate (naming its index), and {@link #decode} throws it for bytes that are not valid UTF-8
   * (naming the offset and the bytes).
   *
   * @return the UTF-8 codec
   */
  static Codec<String> utf8() {
    return new Codec<>() {
      @Override
      public byte[] encode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        // getBytes writes '?' for a lone surrogate: only output holding one needs a closer look.
        int lone = indexOf(bytes, (byte) '?') < 0 ? -1 : firstLoneSurrogate(value);
        if (lone >= 0) {
          throw new IllegalArgumentException(
              "text must be valid UTF-16 to encode as UTF-8, "
                  + "but had a lone surrogate U+"
                  + String.format("%04X", (int) value.charAt(lone))
                  + " at index "
                  + lone);
        }
        return bytes;
      }

      @Override
      public String decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
          return StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(in)
              .toString();
        } catch (CharacterCodingException e) {
          // On failure the buffer stands at the first byte of the malformed sequence.
          int at = in.position();
          int length = e instanceof MalformedInputException m ? m.getInputLength() : 1;
          StringBuilder shown = new StringBuilder();
          for (int i = at; i < Math.min(bytes.length, at + Math.max(length, 1)); i++) {
            shown
                .append(shown.length() == 0 ? "" : " ")
                .append(String.format("%02x", bytes[i] & 0xff));
          }
          throw new IllegalArgumentException(
              "bytes must be valid UTF-8, but byte "
                  + at
                  + " of "
                  + bytes.length
                  + " begins a malformed sequence ("
                  + shown
                  + ")",
              e);
        }
      }

      @Override
      public String toString() {
        return "Codec.utf8()";
      }
    };
  }

  /** The index of the first surrogate without its partner in {@code text}, or -1. */
  private static int firstLoneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
