package dev.stockade.internal.launch;

import com.sun.jna.Native;
import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How to start another JVM (this JVM's {@code java}) that runs a main class of stockade-core with
 * one more class loadable — a {@code jvmWorker}'s handler, or none for the lifeline's watchdog —
 * decided from how this JVM was started:
 *
 * <ul>
 *   <li><b>class path</b> ({@code java -cp …}, {@code java -jar app.jar} with or without a manifest
 *       {@code Class-Path}, a shaded jar): both classes come from the JDK's class-path loader, so
 *       {@code -cp ${java.class.path}} (made absolute).
 *   <li><b>Spring Boot executable jar</b> ({@code java -jar app.jar} with nested jars): one of the
 *       classes comes from Boot's class loader and the class path is one Boot jar, so {@code -cp
 *       app.jar -Dloader.main=MAIN …PropertiesLauncher}.
 *   <li><b>class-loader URLs</b> ({@code mvn exec:java}, a test runner, a plugin host): the classes
 *       come from {@link URLClassLoader}s whose URLs are files, so {@code -cp} with the files of
 *       every such loader from each class's own up to the JDK's.
 *   <li><b>module path</b> ({@code java -p mods -m app/…}): stockade-core is the named module
 *       {@code dev.stockade} of the boot layer, so {@code -p ${jdk.module.path}}, the handler's
 *       module added, {@code -cp} if there is a class path, and {@code -m dev.stockade/MAIN}.
 *   <li><b>a given class path</b>: the application names the files, for class loaders whose classes
 *       are not files this JVM can name (an application server's modules, a class loader that
 *       defines classes from memory).
 * </ul>
 *
 * Anything else is refused with {@link UnsupportedLaunchException}, naming the shape and the fix: a
 * JVM that is started and then cannot load its main class protects nothing. On JDK 22 and later
 * each JVM is allowed native access ({@code --enable-native-access}) for JNA's modules, so none
 * prints the restricted-method warning: the JVM started runs this JVM's {@code java}, so this JVM's
 * version decides.
 */
public final class JvmLaunch {
  /** The first JDK whose JVMs warn about native access that was not enabled. */
  static final int NATIVE_ACCESS_FEATURE = 22;

  private final String shape;
  private final List<String> options;
  private final List<String> main;

  private JvmLaunch(String shape, List<String> options, List<String> main) {
    this.shape = shape;
    this.options = List.copyOf(options);
    this.main = List.copyOf(main);
  }

  /**
   * How to start {@code mainClass} of stockade-core with {@code loadable} (or nothing more, when
   * null) loadable, in the shape this JVM was started in.
   *
   * @throws UnsupportedLaunchException naming the shape and the fix when no JVM could be started so
   */
  public static JvmLaunch of(Class<?> mainClass, Class<?> loadable)
      throws UnsupportedLaunchException {
    Module library = mainClass.getModule();
    if (library.isNamed()) {
      return onModulePath(mainClass, loadable);
    }
    ClassLoader libraryLoader = mainClass.getClassLoader();
    ClassLoader loadableLoader = loadable == null ? libraryLoader : loadable.getClassLoader();
    if (SpringBootJar.isBootLoader(libraryLoader) || SpringBootJar.isBootLoader(loadableLoader)) {
      SpringBootJar boot =
          SpringBootJar.fromClassPath(System.getProperty("java.class.path")).orElse(null);
      if (boot != null) {
        return throughBootLauncher(boot, mainClass);
      }
      // Boot's loader without a Boot jar (an unpacked application): its URLs may be files.
    }
    Set<String> classPath = new LinkedHashSet<>();
    boolean urls = collect(loadable != null ? loadable : mainClass, loadableLoader, classPath);
    urls |= collect(mainClass, libraryLoader, classPath);
    return onClassPath(
        urls ? "class-loader URLs" : "class path", mainClass, new ArrayList<>(classPath));
  }

  /** {@code mainClass} started through the {@code PropertiesLauncher} of {@code boot}. */
  static JvmLaunch throughBootLauncher(SpringBootJar boot, Class<?> mainClass)
      throws UnsupportedLaunchException {
    if (boot.war()) {
      throw new UnsupportedLaunchException(
          "this JVM runs the Spring Boot executable war "
              + boot.jar()
              + ", whose classes are in WEB-INF, where Boot's PropertiesLauncher does "
              + "not look, so "
              + mainClass.getName()
              + " cannot be started from it (shape: Spring "
              + "Boot executable war; supported is the executable jar)");
    }
    List<String> options =
        new ArrayList<>(
            List.of("-cp", boot.jar().toString(), "-Dloader.main=" + mainClass.getName()));
    options.addAll(nativeAccess(false));
    return new JvmLaunch(
        "Spring Boot executable jar " + boot.jar(), options, List.of(boot.propertiesLauncher()));
  }

  /**
   * {@code mainClass} on the class path {@code classPath}, as the application named it.
   *
   * @param shape what the class path is, for messages
   */
  public static JvmLaunch onClassPath(String shape, Class<?> mainClass, List<String> classPath) {
    List<String> options =
        new ArrayList<>(List.of("-cp", String.join(File.pathSeparator, classPath)));
    options.addAll(nativeAccess(false));
    return new JvmLaunch(shape, options, List.of(mainClass.getName()));
  }

  /** What this JVM's shape is, for logs and messages: {@code "class path"}, … */
  public String shape() {
    return shape;
  }

  /** The options that say where the classes are, and native access; before any other option. */
  public List<String> options() {
    return options;
  }

  /** What names the main class: the class, or {@code -m module/class}; after every option. */
  public List<String> main() {
    return main;
  }

  @Override
  public String toString() {
    return shape + ": " + String.join(" ", options) + " " + String.join(" ", main);
  }

  private static JvmLaunch onModulePath(Class<?> mainClass, Class<?> loadable)
      throws UnsupportedLaunchException {
    Module library = mainClass.getModule();
    String modulePath = System.getProperty("jdk.module.path");
    if (library.getLayer() != ModuleLayer.boot() || modulePath == null || modulePath.isEmpty()) {
      throw new UnsupportedLaunchException(
          "module "
              + library.getName()
              + " is in a module "
              + "layer of its own, not on this JVM's module path, so no other JVM can be started "
              + "with it (shape: module layer)");
    }
    List<String> options = new ArrayList<>(List.of("-p", absolute(modulePath)));
    if (loadable != null && loadable.getModule() != library) {
      Module module = loadable.getModule();
      if (module.isNamed()) {
        if (module.getLayer() != ModuleLayer.boot()) {
          throw new UnsupportedLaunchException(
              loadable.getName()
                  + " is in module "
                  + module.getName()
                  + " of a module layer of its own, not on this JVM's module "
                  + "path (shape: module layer)");
        }
        if (!module.isExported(loadable.getPackageName(), library)) {
          throw new UnsupportedLaunchException(
              loadable.getName()
                  + " is in package "
                  + loadable.getPackageName()
                  + ", which module "
                  + module.getName()
                  + " does not export to "
                  + library.getName()
                  + "; add 'exports "
                  + loadable.getPackageName()
                  + " to "
                  + library.getName()
                  + ";' to its "
                  + "module-info (shape: module path)");
        }
        options.add("--add-modules");
        options.add(module.getName());
      } else if (loadable.getClassLoader() != ClassLoader.getSystemClassLoader()) {
        throw new UnsupportedLaunchException(
            loadable.getName()
                + " was loaded by "
                + describe(loadable.getClassLoader())
                + " while stockade-core is on the module "
                + "path (shape: module path with a class loader of its own)");
      }
    }
    String classPath = System.getProperty("java.class.path", "");
    if (!classPath.isEmpty()) {
      options.add("-cp");
      options.add(absolute(classPath));
    }
    options.addAll(nativeAccess(true));
    return new JvmLaunch(
        "module path", options, List.of("-m", library.getName() + "/" + mainClass.getName()));
  }

  /**
   * Adds the files from which {@code loader} and the loaders it delegates to load, up to the JDK's
   * own; true if some were a class loader's URLs rather than {@code java.class.path}.
   */
  private static boolean collect(Class<?> type, ClassLoader loader, Set<String> classPath)
      throws UnsupportedLaunchException {
    boolean urls = false;
    ClassLoader system = ClassLoader.getSystemClassLoader();
    ClassLoader platform = ClassLoader.getPlatformClassLoader();
    for (ClassLoader l = loader; l != null && l != platform; l = l.getParent()) {
      if (l == system) {
        for (String entry :
            System.getProperty("java.class.path", "").split(File.pathSeparator, -1)) {
          if (!entry.isEmpty()) {
            classPath.add(Path.of(entry).toAbsolutePath().toString());
          }
        }
        return urls;
      }
      if (!(l instanceof URLClassLoader u)) {
        throw unlocatable(type, l, "its classes are not files this JVM can name");
      }
      for (URL url : u.getURLs()) {
        if (!"file".equals(url.getProtocol())) {
          throw unlocatable(type, l, "it loads from " + url + ", which is not a file");
        }
        try {
          classPath.add(Path.of(url.toURI()).toString());
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw unlocatable(type, l, "its URL " + url + " names no file");
        }
      }
      urls = true;
    }
    return urls;
  }

  private static UnsupportedLaunchException unlocatable(
      Class<?> type, ClassLoader loader, String why) {
    return new UnsupportedLaunchException(
        type.getName()
            + " was loaded by "
            + describe(loader)
            + ", and "
            + why
            + " (shape: a class loader whose classes are not "
            + "files; supported are the class path, a Spring Boot executable jar, URLClassLoaders "
            + "of files and the module path)");
  }

  private static String describe(ClassLoader loader) {
    return loader == null
        ? "the boot class loader"
        : loader.getClass().getName()
            + (loader.getName() == null ? "" : " '" + loader.getName() + "'");
  }

  private static String absolute(String path) {
    List<String> entries = new ArrayList<>();
    for (String entry : path.split(File.pathSeparator, -1)) {
      if (!entry.isEmpty()) {
        entries.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * {@code --enable-native-access} for JNA, on JDK 22 and later: for its module when it is a named
   * one on the module path, and for every unnamed module (where JNA is on a class path, a Boot
   * jar's included).
   */
  static List<String> nativeAccess(boolean modulePath) {
    if (Runtime.version().feature() < NATIVE_ACCESS_FEATURE) {
      return List.of();
    }
    Module jna = Native.class.getModule();
    return List.of(
        "--enable-native-access="
            + (modulePath && jna.isNamed() ? jna.getName() + ",ALL-UNNAMED" : "ALL-UNNAMED"));
  }
}
