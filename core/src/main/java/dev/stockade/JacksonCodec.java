package dev.stockade;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * A {@link Codec} that writes and reads JSON with Jackson — the natural payload for workers in
 * Python ({@code json.loads}) and Node ({@code JSON.parse}). Jackson is an optional dependency of
 * Stockade: add {@code com.fasterxml.jackson.core:jackson-databind} (2.x) to use this class.
 *
 * <pre>{@code
 * WorkerPool<Page, Rendered> pool = WorkerPool.builder(
 *         JacksonCodec.of(mapper, Page.class), JacksonCodec.of(mapper, Rendered.class))
 *     .nodeWorker(Path.of("render-worker.js"))
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe as long as the mapper is not reconfigured while in use (Jackson's own rule).
 */
public final class JacksonCodec<T> implements Codec<T> {
  private final ObjectMapper mapper;
  private final JavaType type;

  private JacksonCodec(ObjectMapper mapper, JavaType type) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.type = type;
  }

  /**
   * JSON of {@code type} through {@code mapper}.
   *
   * @param <T> the type of the values
   * @param mapper the mapper that writes and reads; not copied
   * @param type the class of the values
   * @return the codec
   */
  public static <T> JacksonCodec<T> of(ObjectMapper mapper, Class<T> type) {
    return new JacksonCodec<>(mapper, mapper.constructType(Objects.requireNonNull(type, "type")));
  }

  /**
   * JSON of a generic type, e.g. {@code new TypeReference<List<Page>>() {}}.
   *
   * @param <T> the type of the values
   * @param mapper the mapper that writes and reads; not copied
   * @param type the type of the values
   * @return the codec
   */
  public static <T> JacksonCodec<T> of(ObjectMapper mapper, TypeReference<T> type) {
    return new JacksonCodec<>(mapper, mapper.constructType(Objects.requireNonNull(type, "type")));
  }

  @Override
  public byte[] encode(T value) throws Exception {
    return mapper.writeValueAsBytes(value);
  }

  @Override
  public T decode(byte[] bytes) throws Exception {
    return mapper.readValue(bytes, type);
  }

  @Override
  public String toString() {
    return "JacksonCodec(" + type.toCanonical() + ")";
  }
}
