package dev.stockade.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.internal.lifeline.Watchdog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a JVM started from a Spring Boot archive starts others: through the archive's own {@code
 * PropertiesLauncher} for an executable jar, refused by name for an executable war, whose classes
 * that launcher does not read. The archives here are made by the test with only what is read of
 * them: the manifest's {@code Main-Class} and the launcher's class entry.
 */
class SpringBootJarTest {
  private static final String LAUNCH = SpringBootJar.LAUNCHER_PACKAGE;

  @TempDir Path dir;

  private Path archive(String name, String mainClass) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file);
        JarOutputStream jar = new JarOutputStream(out, manifest)) {
      jar.putNextEntry(new JarEntry(LAUNCH.replace('.', '/') + "/PropertiesLauncher.class"));
      jar.closeEntry();
    }
    return file;
  }

  @Test
  void anExecutableJarStartsOtherJvmsThroughItsPropertiesLauncher() throws Exception {
    Path jar = archive("app.jar", LAUNCH + ".JarLauncher");

    SpringBootJar boot = SpringBootJar.fromClassPath(jar.toString()).orElseThrow();
    JvmLaunch launch = JvmLaunch.throughBootLauncher(boot, Watchdog.class);

    assertThat(boot.war()).isFalse();
    assertThat(launch.options())
        .startsWith("-cp", jar.toString(), "-Dloader.main=" + Watchdog.class.getName());
    assertThat(launch.main()).containsExactly(LAUNCH + ".PropertiesLauncher");
  }

  @Test
  void anExecutableWarIsRefusedNamingTheShape() throws Exception {
    Path war = archive("app.war", LAUNCH + ".WarLauncher");

    SpringBootJar boot = SpringBootJar.fromClassPath(war.toString()).orElseThrow();

    assertThat(boot.war()).isTrue();
    assertThatThrownBy(() -> JvmLaunch.throughBootLauncher(boot, Watchdog.class))
        .isInstanceOf(UnsupportedLaunchException.class)
        .hasMessageContaining("Spring Boot executable war " + war)
        .hasMessageContaining("WEB-INF")
        .hasMessageContaining(
            "(shape: Spring Boot executable war; supported is the executable " + "jar)");
  }

  @Test
  void aJarWhoseMainClassIsNotBootsIsNoBootJar() throws Exception {
    Path jar = archive("plain.jar", "com.example.Main");

    assertThat(SpringBootJar.fromClassPath(jar.toString())).isEmpty();
  }
}
