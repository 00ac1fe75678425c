package dev.stockade.internal.engine;

import dev.stockade.MemorySize;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Applies settings given as text — from a {@code Properties} file, environment variables, a
 * framework's configuration — to a pool builder, through the builder's own setter of the same name,
 * so that a setting is named, converted and checked exactly as in code: the builder's {@code
 * build()} gives the same messages either way.
 *
 * <p>A setting is a public method of the builder that takes one value of a type text can hold:
 * {@code int}, {@code double}, {@code boolean}, {@code String}, {@link Duration} ({@link
 * DurationText}), {@link MemorySize} ({@link MemorySize#parse}), an enum (its constant's name in
 * any case), a {@link Path}, a list of strings or paths (comma-separated), or a class (its name,
 * loaded by the thread's context class loader, which must be of the type the setter takes). A
 * setter that takes two values of one such type (the restart backoff's two pauses) takes them
 * comma-separated. Names are the setters' ({@code memoryLimit}) or the same in kebab case ({@code
 * memory-limit}). What text cannot hold (a listener, an executor, a {@code Command}) is set in
 * code.
 *
 * <p>Every value is converted before any is applied: a name that is no setting or a value that is
 * not of its type throws {@link IllegalArgumentException} naming the setting, the value and what is
 * allowed, and leaves the builder as it was.
 */
public final class TextSettings {
  private TextSettings() {}

  /** A setter as declared (for its generic types) and as called (public, in a public class). */
  private record Setter(Method declared, Method called) {}

  /**
   * Applies {@code settings} to {@code builder}, in the map's order.
   *
   * @throws IllegalArgumentException naming the first setting that is unknown or whose value is not
   *     of its type, before anything is applied
   * @throws IllegalStateException if a setting was already set, as its setter says
   */
  public static void apply(Object builder, Map<String, String> settings) {
    Map<String, Setter> setters = settersOf(builder.getClass());
    var calls = new ArrayList<Runnable>();
    for (Map.Entry<String, String> entry : settings.entrySet()) {
      String name = camelCase(entry.getKey().trim());
      String value = entry.getValue();
      Setter setter = setters.get(name);
      if (setter == null) {
        throw new IllegalArgumentException(
            "'"
                + entry.getKey()
                + "' is not a setting of "
                + builder.getClass().getSimpleName()
                + " that text can give; the settings are "
                + String.join(", ", setters.keySet()));
      }
      Object[] arguments = arguments(setter.declared(), name, value);
      calls.add(() -> invoke(builder, setter.called(), arguments));
    }
    calls.forEach(Runnable::run);
  }

  /**
   * The builder's setters that text can give, by name. Each is read where it is declared, for its
   * generic parameter types, and called through the public method of {@code type} with its erased
   * signature: a public setter of a package-private superclass is reached through the bridge the
   * compiler put in the public class, whose own parameter types are erased.
   */
  private static Map<String, Setter> settersOf(Class<?> type) {
    Map<String, Setter> setters = new TreeMap<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (m.isBridge()
            || m.isSynthetic()
            || !Modifier.isPublic(m.getModifiers())
            || Modifier.isStatic(m.getModifiers())
            || !m.getReturnType().isAssignableFrom(type)
            || m.getParameterCount() == 0
            || setters.containsKey(m.getName())) {
          continue;
        }
        Type[] parameters = m.getGenericParameterTypes();
        boolean convertible =
            Arrays.stream(parameters).allMatch(TextSettings::convertible)
                && (parameters.length == 1
                    || (parameters.length == 2 && parameters[0].equals(parameters[1])));
        if (convertible) {
          try {
            setters.put(
                m.getName(), new Setter(m, type.getMethod(m.getName(), m.getParameterTypes())));
          } catch (NoSuchMethodException e) {
            throw new IllegalStateException("no public " + m + " on " + type, e);
          }
        }
      }
    }
    return setters;
  }

  private static boolean convertible(Type type) {
    if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      Type element = p.getActualTypeArguments()[0];
      return (raw == List.class && (element == String.class || element == Path.class))
          || raw == Class.class;
    }
    return type == int.class
        || type == double.class
        || type == boolean.class
        || type == String.class
        || type == Duration.class
        || type == MemorySize.class
        || type == Path.class
        || (type instanceof Class<?> c && c.isEnum());
  }

  private static Object[] arguments(Method setter, String name, String value) {
    Type[] types = setter.getGenericParameterTypes();
    if (value == null) {
      throw new IllegalArgumentException(name + " must have a value, but was null");
    }
    if (types.length == 1) {
      return new Object[] {converted(types[0], name, value)};
    }
    String[] parts = value.split(",", -1);
    if (parts.length != types.length) {
      throw new IllegalArgumentException(
          name + " must be " + types.length + " values separated by ',', but was '" + value + "'");
    }
    Object[] arguments = new Object[parts.length];
    for (int i = 0; i < parts.length; i++) {
      arguments[i] = converted(types[i], name, parts[i]);
    }
    return arguments;
  }

  private static Object converted(Type type, String name, String value) {
    String text = value.trim();
    try {
      if (type == int.class) {
        return Integer.parseInt(text);
      }
      if (type == double.class) {
        return Double.parseDouble(text);
      }
      if (type == boolean.class) {
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
          throw refused(name, "true or false", value);
        }
        return Boolean.parseBoolean(text);
      }
      if (type == String.class) {
        return value;
      }
      if (type == Duration.class) {
        return DurationText.parse(text);
      }
      if (type == MemorySize.class) {
        return MemorySize.parse(text);
      }
      if (type == Path.class) {
        return Path.of(text);
      }
      if (type instanceof Class<?> c && c.isEnum()) {
        return enumConstant(c, name, value);
      }
      ParameterizedType p = (ParameterizedType) type;
      if (p.getRawType() == Class.class) {
        return loadedClass(p, name, text, value);
      }
      boolean paths = p.getActualTypeArguments()[0] == Path.class;
      return text.isEmpty()
          ? List.of()
          : Arrays.stream(text.split(","))
              .map(String::trim)
              .map(e -> paths ? (Object) Path.of(e) : e)
              .collect(Collectors.toUnmodifiableList());
    } catch (NumberFormatException e) {
      throw refused(name, type == int.class ? "a whole number" : "a number", value);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(name + " must")) {
        throw e;
      }
      throw refused(name, what(type), value);
    }
  }

  private static Object enumConstant(Class<?> type, String name, String value) {
    for (Object constant : type.getEnumConstants()) {
      if (((Enum<?>) constant).name().equalsIgnoreCase(value.trim().replace('-', '_'))) {
        return constant;
      }
    }
    throw refused(
        name,
        "one of "
            + Arrays.stream(type.getEnumConstants())
                .map(Object::toString)
                .collect(Collectors.joining(", ")),
        value);
  }

  private static Class<?> loadedClass(
      ParameterizedType type, String name, String text, String value) {
    Type bound = type.getActualTypeArguments()[0];
    Class<?> required =
        bound instanceof WildcardType w && w.getUpperBounds()[0] instanceof Class<?> c
            ? c
            : Object.class;
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Class<?> loaded;
    try {
      loaded =
          Class.forName(text, false, loader != null ? loader : TextSettings.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw refused(name, "the name of a class this JVM can load", value);
    }
    if (!required.isAssignableFrom(loaded)) {
      throw refused(name, "a class that implements " + required.getName(), value);
    }
    return loaded;
  }

  private static String what(Type type) {
    if (type == Duration.class) {
      return DurationText.ALLOWED;
    }
    if (type == MemorySize.class) {
      return "a memory size such as 512MiB or 2g (every unit binary)";
    }
    if (type == Path.class) {
      return "a path";
    }
    return "a value of type " + type.getTypeName();
  }

  private static IllegalArgumentException refused(String name, String allowed, String value) {
    return new IllegalArgumentException(name + " must be " + allowed + ", but was '" + value + "'");
  }

  private static void invoke(Object builder, Method setter, Object[] arguments) {
    try {
      setter.invoke(builder, arguments);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + setter, e);
    }
  }

  /** {@code memory-limit} as {@code memoryLimit}; a name without '-' as it is. */
  static String camelCase(String name) {
    StringBuilder out = new StringBuilder(name.length());
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }
}
