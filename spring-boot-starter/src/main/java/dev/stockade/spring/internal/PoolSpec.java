package dev.stockade.spring.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stockade.Codec;
import dev.stockade.CommandPool;
import dev.stockade.CommandPoolBuilder;
import dev.stockade.JacksonCodec;
import dev.stockade.PoolBuilder;
import dev.stockade.ProcessPool;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerPoolBuilder;
import dev.stockade.spring.StockadePoolCustomizer;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

/**
 * One pool as declared under {@code stockade.pools.<name>}: its kind, its codecs (a worker pool's),
 * its bean type, and the builder settings that {@link #build} passes to {@link
 * PoolBuilder#settings(Map)}. Checked when read, so a missing or unknown kind or codec fails the
 * context before any bean is created; the settings are checked by the builder.
 */
public final class PoolSpec {
  /** The kinds of pool, as {@code stockade.pools.<name>.kind} names them. */
  public enum Kind {
    /** A {@link CommandPool}. */
    COMMAND,
    /** A {@link WorkerPool}. */
    WORKER
  }

  private static final String KIND = "kind";
  private static final String INPUT_CODEC = "input-codec";
  private static final String OUTPUT_CODEC = "output-codec";
  private static final String SHUTDOWN_HOOK = "shutdown-hook";
  private static final String NAME = "name";
  private static final String JSON = "json:";

  private final String poolName;
  private final Kind kind;
  private final CodecSpec input;
  private final CodecSpec output;

  /** The settings by the builder's setter name (or as written, if no setter is called so). */
  private final Map<String, String> settings = new LinkedHashMap<>();

  /** The key as written in the configuration, by the name {@link #settings} uses. */
  private final Map<String, String> keysAsWritten = new LinkedHashMap<>();

  private record CodecSpec(String text, Codec<?> codec, Class<?> type) {}

  private PoolSpec(String poolName, Map<String, String> keys, ClassLoader loader) {
    this.poolName = poolName;
    Map<String, String> rest = new LinkedHashMap<>(keys);
    this.kind = kind(remove(rest, KIND));
    String inputText = remove(rest, INPUT_CODEC);
    String outputText = remove(rest, OUTPUT_CODEC);
    if (kind == Kind.COMMAND && (inputText != null || outputText != null)) {
      String key = inputText != null ? INPUT_CODEC : OUTPUT_CODEC;
      throw invalid(
          key,
          property(key) + " is a worker pool's setting, but the pool's kind is 'command'",
          null);
    }
    this.input = codec(INPUT_CODEC, inputText, loader);
    this.output = codec(OUTPUT_CODEC, outputText, loader);
    if (find(rest, SHUTDOWN_HOOK) != null) {
      throw invalid(
          SHUTDOWN_HOOK,
          property(SHUTDOWN_HOOK)
              + " cannot be set: the starter closes its pools in Spring's shutdown, so the"
              + " library's own JVM shutdown hook is off for every pool it builds",
          null);
    }
    Map<String, String> setters = setterNames(kind);
    for (Map.Entry<String, String> e : rest.entrySet()) {
      String setter = setters.getOrDefault(normalized(e.getKey()), e.getKey());
      settings.put(setter, e.getValue());
      keysAsWritten.put(setter, e.getKey());
    }
  }

  /**
   * Reads and checks one pool's declaration.
   *
   * @param poolName the name under {@code stockade.pools}
   * @param keys its keys and values
   * @param loader where a JSON codec's class is loaded from
   * @return the pool's declaration
   * @throws PoolConfigurationException naming the property, if the kind or a codec is missing or
   *     unknown, or a key may not be set
   */
  public static PoolSpec of(String poolName, Map<String, String> keys, ClassLoader loader) {
    return new PoolSpec(poolName, keys, loader);
  }

  /**
   * The pool's kind.
   *
   * @return command or worker
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The bean's type: {@code CommandPool}, or {@code WorkerPool<I, O>} with its codecs' types.
   *
   * @return the type the pool's bean is declared with
   */
  public ResolvableType type() {
    return kind == Kind.COMMAND
        ? ResolvableType.forClass(CommandPool.class)
        : ResolvableType.forClassWithGenerics(WorkerPool.class, input.type(), output.type());
  }

  /**
   * Builds the pool: its settings through {@link PoolBuilder#settings(Map)}, its name {@code
   * <name>} unless set, no JVM shutdown hook, then every {@link StockadePoolCustomizer} in order.
   *
   * @param beanFactory where the customizers and a JSON codec's {@code ObjectMapper} are found
   * @return the pool, started
   * @throws PoolConfigurationException naming the property, if the builder refuses a setting
   */
  public ProcessPool build(ListableBeanFactory beanFactory) {
    PoolBuilder<?> builder =
        kind == Kind.COMMAND
            ? CommandPool.builder()
            : WorkerPool.builder(codec(input, beanFactory), codec(output, beanFactory));
    try {
      if (!settings.containsKey(NAME)) {
        builder.name(poolName);
      }
      builder.shutdownHook(false);
      builder.settings(settings);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw refused(e);
    }
    beanFactory
        .getBeanProvider(StockadePoolCustomizer.class)
        .orderedStream()
        .forEach(customizer -> customizer.customize(poolName, builder));
    try {
      return builder instanceof WorkerPoolBuilder<?, ?> workers
          ? workers.build()
          : ((CommandPoolBuilder) builder).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw refused(e);
    }
  }

  /** The builder's message, prefixed with the property it is about when it names one. */
  private PoolConfigurationException refused(RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    int end = message.indexOf(' ');
    String first = (end < 0 ? message : message.substring(0, end)).replace("'", "");
    String key = keysAsWritten.get(first);
    if (key == null && keysAsWritten.containsValue(first)) {
      key = first;
    }
    String where = key != null ? property(key) : PoolDeclarations.PREFIX + "." + poolName;
    return new PoolConfigurationException(
        where, "Stockade pool '" + poolName + "' is misconfigured: " + where + ": " + message, e);
  }

  private PoolConfigurationException invalid(String key, String message, Throwable cause) {
    return new PoolConfigurationException(property(key), message, cause);
  }

  private String property(String key) {
    return PoolDeclarations.PREFIX + "." + poolName + "." + key;
  }

  private Kind kind(String text) {
    if (text != null) {
      for (Kind k : Kind.values()) {
        if (k.name().equalsIgnoreCase(text.trim())) {
          return k;
        }
      }
    }
    throw invalid(
        KIND,
        property(KIND)
            + " must be 'command' (a CommandPool) or 'worker' (a WorkerPool), but "
            + (text == null ? "is not set" : "was '" + text + "'"),
        null);
  }

  private CodecSpec codec(String key, String text, ClassLoader loader) {
    if (text == null || text.trim().equalsIgnoreCase("text")) {
      return new CodecSpec("text", Codec.utf8(), String.class);
    }
    String value = text.trim();
    if (value.equalsIgnoreCase("bytes")) {
      return new CodecSpec("bytes", Codec.bytes(), byte[].class);
    }
    if (value.regionMatches(true, 0, JSON, 0, JSON.length())) {
      String className = value.substring(JSON.length()).trim();
      if (!ClassUtils.isPresent("com.fasterxml.jackson.databind.ObjectMapper", loader)) {
        throw invalid(
            key,
            property(key)
                + " is '"
                + text
                + "', but Jackson 2 (com.fasterxml.jackson.core:jackson-databind) is not on the"
                + " class path",
            null);
      }
      try {
        return new CodecSpec(value, null, ClassUtils.forName(className, loader));
      } catch (ClassNotFoundException | LinkageError e) {
        throw invalid(
            key,
            property(key) + " names class '" + className + "', which cannot be loaded: " + e,
            e);
      }
    }
    throw invalid(
        key,
        property(key)
            + " must be 'text' (UTF-8 strings), 'bytes' or 'json:<fully qualified class name>',"
            + " but was '"
            + text
            + "'",
        null);
  }

  private static Codec<?> codec(CodecSpec spec, ListableBeanFactory beanFactory) {
    return spec.codec() != null ? spec.codec() : Json.codec(beanFactory, spec.type());
  }

  /** Kept apart so Jackson is loaded only for a JSON codec. */
  private static final class Json {
    private Json() {}

    static Codec<?> codec(ListableBeanFactory beanFactory, Class<?> type) {
      ObjectMapper mapper = beanFactory.getBeanProvider(ObjectMapper.class).getIfAvailable();
      return JacksonCodec.of(mapper != null ? mapper : new ObjectMapper(), type);
    }
  }

  /** The builder's public setters by {@link #normalized} name. */
  private static Map<String, String> setterNames(Kind kind) {
    Class<?> type = kind == Kind.COMMAND ? CommandPoolBuilder.class : WorkerPoolBuilder.class;
    Map<String, String> names = new LinkedHashMap<>();
    for (Method m : type.getMethods()) {
      if (!Modifier.isStatic(m.getModifiers()) && m.getParameterCount() > 0) {
        names.putIfAbsent(normalized(m.getName()), m.getName());
      }
    }
    return names;
  }

  /**
   * {@code memory-limit}, {@code memoryLimit}, {@code MEMORY_LIMIT}, {@code memory.limit} (an
   * environment variable {@code ..._MEMORY_LIMIT} as Boot binds it into a map): {@code
   * memorylimit}.
   */
  private static String normalized(String key) {
    return key.replace("-", "").replace("_", "").replace(".", "").toLowerCase(Locale.ROOT).trim();
  }

  private static String find(Map<String, String> keys, String key) {
    for (String k : keys.keySet()) {
      if (normalized(k).equals(normalized(key))) {
        return k;
      }
    }
    return null;
  }

  private static String remove(Map<String, String> keys, String key) {
    String k = find(keys, key);
    return k == null ? null : keys.remove(k);
  }
}
