package dev.stockade.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stockade.JacksonCodec;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON object of the codec benchmarks: a flat record of strings, integers, floating-point
 * numbers, booleans and short lists of integers, as a web service passes around, about {@value
 * #TARGET_BYTES} bytes as JSON. The same object goes to {@code mp_baseline.py} as a file, which
 * loads it into the {@code dict} that {@code Pool(1).apply} pickles. Not a benchmark.
 */
final class JsonPayload {
  /** The size of the object as compact JSON, at least. */
  static final int TARGET_BYTES = 4096;

  static final ObjectMapper MAPPER = new ObjectMapper();

  /** The codec of the benchmarks' pools, both ways. */
  static final JacksonCodec<Map<String, Object>> CODEC =
      JacksonCodec.of(MAPPER, new TypeReference<Map<String, Object>>() {});

  private JsonPayload() {}

  /** A fresh copy of the object: fields are added in a fixed order until it is large enough. */
  static Map<String, Object> object() {
    Map<String, Object> o = new LinkedHashMap<>();
    for (int i = 0; json(o).length < TARGET_BYTES; i++) {
      String key = String.format(Locale.ROOT, "field_%03d", i);
      switch (i % 5) {
        case 0 -> o.put(key, "value " + i + " of a record in a JSON document");
        case 1 -> o.put(key, 1_000_003L * i);
        case 2 -> o.put(key, i + 0.25);
        case 3 -> o.put(key, i % 2 == 0);
        default -> {
          List<Integer> list = new ArrayList<>();
          for (int k = 0; k < 6; k++) {
            list.add(i * 10 + k);
          }
          o.put(key, list);
        }
      }
    }
    return o;
  }

  /** The object as compact JSON. */
  static byte[] json(Map<String, Object> object) {
    try {
      return MAPPER.writeValueAsBytes(object);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
