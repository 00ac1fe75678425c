package dev.stockade.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarFile;

/**
 * An executable Spring Boot jar that this JVM was started from ({@code java -jar app.jar}): its
 * classes are in nested jars that only Boot's own launcher reads, so another JVM reaches them
 * through Boot's {@code PropertiesLauncher} of the same jar, told the main class to run by {@code
 * -Dloader.main}. Boot 3.2 and later keep the launcher in {@value #LAUNCHER_PACKAGE}; earlier
 * releases in {@code org.springframework.boot.loader}. The launcher's package is read from the
 * jar's own {@code Main-Class}, so either works.
 *
 * <p>An executable war ({@code WarLauncher}) keeps its classes in {@code WEB-INF}, where the {@code
 * PropertiesLauncher} does not look: it is recognised, so that it can be refused by name.
 *
 * @param jar the absolute path of the jar
 * @param propertiesLauncher the class name of the jar's {@code PropertiesLauncher}
 * @param war whether it is an executable war
 */
record SpringBootJar(Path jar, String propertiesLauncher, boolean war) {
  static final String LAUNCHER_PACKAGE = "org.springframework.boot.loader.launch";
  private static final String LOADER_PREFIX = "org.springframework.boot.loader.";

  /** Whether {@code loader}, or a class loader it descends from, is one of Boot's. */
  static boolean isBootLoader(ClassLoader loader) {
    if (loader == null) {
      return false;
    }
    for (Class<?> c = loader.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().startsWith(LOADER_PREFIX)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The Boot jar that the class path {@code classPath} consists of: one jar whose manifest's {@code
   * Main-Class} is a Boot launcher; empty for anything else.
   */
  static Optional<SpringBootJar> fromClassPath(String classPath) {
    if (classPath == null || classPath.isBlank() || classPath.contains(File.pathSeparator)) {
      return Optional.empty();
    }
    Path jar = Path.of(classPath).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      return Optional.empty();
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      if (file.getManifest() == null) {
        return Optional.empty();
      }
      String main = file.getManifest().getMainAttributes().getValue("Main-Class");
      if (main == null || !main.startsWith(LOADER_PREFIX) || main.lastIndexOf('.') < 0) {
        return Optional.empty();
      }
      String launcher = main.substring(0, main.lastIndexOf('.')) + ".PropertiesLauncher";
      if (file.getEntry(launcher.replace('.', '/') + ".class") == null) {
        return Optional.empty();
      }
      return Optional.of(new SpringBootJar(jar, launcher, main.endsWith(".WarLauncher")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
