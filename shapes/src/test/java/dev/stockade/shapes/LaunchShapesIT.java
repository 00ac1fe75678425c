package dev.stockade.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.testing.MarkedProcesses;
import dev.stockade.testing.NoLeakedProcesses;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every shape an application ships in, run for real with the application this module builds: a
 * {@code WorkerPool} of JVM workers running the application's own handler and a {@code CommandPool}
 * tree with a {@code setsid} daemon, both with {@code requireLifeline(true)}. In each shape the
 * workers answer, the lifeline runs, and after a SIGKILL of the application nothing it started —
 * workers, watchdog, command tree — is left within 2 s, as seen by a {@code /proc} scan of this
 * test's own for the marker in the application's environment.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(180)
class LaunchShapesIT {
  private static final String APP_MODULE = "dev.stockade.shapes";
  private static final String RESTRICTED = "WARNING: A restricted method";

  private static Path jar;
  private static Path bootJar;
  private static Path lib;
  private static Path work;
  private static String main;

  @BeforeAll
  static void locateTheBuild() throws IOException {
    jar = Path.of(System.getProperty("shapes.jar"));
    bootJar = Path.of(System.getProperty("shapes.bootJar"));
    lib = Path.of(System.getProperty("shapes.lib"));
    main = System.getProperty("shapes.main");
    work = Files.createDirectories(Path.of(System.getProperty("shapes.work")));
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void assertWorkersAnswerAndTheLifelineRuns(ShapeRun run, String where) {
    assertThat(run.line("ANSWER")).as("its answer; its output: %s", run.output).isEqualTo("hello");
    assertThat(run.line("WHERE")).as("how the worker loaded the handler").isEqualTo(where);
    assertThat(run.line("NATIVE")).isEqualTo("pointer size 8");
    assertThat(run.line("LIFELINE")).startsWith("LifelineStatus[running=true, watchdogPid=");
    assertThat(run.output).as("nothing logged at ERROR").noneMatch(l -> l.contains("ERROR"));
  }

  @Test
  void javaClassPath() {
    try (ShapeRun run =
        ShapeRun.start(work, List.of(java(), "-cp", jar + File.pathSeparator + lib + "/*", main))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module null, loader jdk.internal.loader.ClassLoaders$AppClassLoader");
      run.killAndExpectNothingLeft();
    }
  }

  @Test
  void javaJarWithAManifestClassPath() {
    try (ShapeRun run = ShapeRun.start(work, List.of(java(), "-jar", jar.toString()))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module null, loader jdk.internal.loader.ClassLoaders$AppClassLoader");
      run.killAndExpectNothingLeft();
    }
  }

  @Test
  void springBootExecutableJar() throws IOException {
    try (ShapeRun run = ShapeRun.start(work, List.of(java(), "-jar", aloneBootJar()))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module null, loader org.springframework.boot.loader.launch.LaunchedClassLoader");
      run.killAndExpectNothingLeft();
    }
  }

  @Test
  void springBootExecutableJarOnJdk25PrintsNoNativeAccessWarning() throws IOException {
    Path java25 = java25();
    try (ShapeRun run = ShapeRun.start(work, List.of(java25.toString(), "-jar", aloneBootJar()))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module null, loader org.springframework.boot.loader.launch.LaunchedClassLoader");
      assertThat(MarkedProcesses.live(run.marker))
          .as("its workers and watchdog, each allowed native access")
          .filteredOn(p -> p.contains(" --enable-native-access=ALL-UNNAMED "))
          .hasSize(3);
      assertThat(run.output)
          .as(
              "the application's output, its workers' and its watchdog's "
                  + "stderr logged through it")
          .noneMatch(l -> l.contains(RESTRICTED));
      run.killAndExpectNothingLeft();
    }
  }

  @Test
  void mavenExecJava() throws IOException {
    Path mvn = ShapeRun.requireOnPath("mvn");
    Path project = Files.createDirectories(work.resolve("exec-java"));
    Files.writeString(project.resolve("pom.xml"), execJavaPom());
    try (ShapeRun run =
        ShapeRun.start(
            project,
            List.of(
                mvn.toString(),
                "-o",
                "-q",
                "-B",
                "-Dstyle.color=never",
                "org.codehaus.mojo:exec-maven-plugin:"
                    + System.getProperty("shapes.execPluginVersion")
                    + ":java",
                "-Dexec.mainClass=" + main,
                "-Dexec.classpathScope=compile"),
            Map.of("JAVA_HOME", System.getProperty("java.home")))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module null, loader jdk.internal.loader.ClassLoaders$AppClassLoader");
      run.killAndExpectNothingLeft();
    }
  }

  @Test
  void modulePath() {
    try (ShapeRun run =
        ShapeRun.start(
            work,
            List.of(java(), "-p", jar + File.pathSeparator + lib, "-m", APP_MODULE + "/" + main))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module " + APP_MODULE + ", loader jdk.internal.loader.ClassLoaders$AppClassLoader");
      assertThat(MarkedProcesses.live(run.marker))
          .as("its workers, on the module path")
          .filteredOn(
              p ->
                  p.contains(" --add-modules " + APP_MODULE + " ")
                      && p.contains(" -m dev.stockade/dev.stockade.worker.WorkerMain "))
          .hasSize(2);
      run.killAndExpectNothingLeft();
    }
  }

  @Test
  void modulePathOnJdk25PrintsNoNativeAccessWarning() {
    // The application allows its own native calls (JNA's module) as the README says.
    try (ShapeRun run =
        ShapeRun.start(
            work,
            List.of(
                java25().toString(),
                "--enable-native-access=com.sun.jna",
                "-p",
                jar + File.pathSeparator + lib,
                "-m",
                APP_MODULE + "/" + main))) {
      assertWorkersAnswerAndTheLifelineRuns(
          run, "module " + APP_MODULE + ", loader jdk.internal.loader.ClassLoaders$AppClassLoader");
      assertThat(MarkedProcesses.live(run.marker))
          .as("its workers and watchdog, each allowing JNA's module native access")
          .filteredOn(p -> p.contains(" --enable-native-access=com.sun.jna,ALL-UNNAMED "))
          .hasSize(3);
      assertThat(run.output).noneMatch(l -> l.contains(RESTRICTED) || l.contains("WARNING"));
      run.killAndExpectNothingLeft();
    }
  }

  private static Path java25() {
    return ShapeRun.require(
        Path.of(
            System.getProperty("shapes.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java"),
        "JDK 25");
  }

  /**
   * The Boot jar in a directory of its own, as it is deployed: its manifest's Class-Path (kept from
   * the plain jar) then names nothing, so every class comes from its nested jars.
   */
  private static String aloneBootJar() throws IOException {
    Path dir = Files.createDirectories(work.resolve("boot"));
    Path app = dir.resolve("app.jar");
    Files.copy(bootJar, app, StandardCopyOption.REPLACE_EXISTING);
    return app.toString();
  }

  /** A project whose dependencies are the application's jars, for mvn exec:java offline. */
  private static String execJavaPom() throws IOException {
    List<Path> jars = new ArrayList<>(List.of(jar));
    try (Stream<Path> libs = Files.list(lib)) {
      libs.sorted().forEach(jars::add);
    }
    StringBuilder pom =
        new StringBuilder(
            """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>shapes</groupId>
          <artifactId>exec-java</artifactId>
          <version>1</version>
          <dependencies>
        """);
    for (int i = 0; i < jars.size(); i++) {
      pom.append("    <dependency><groupId>shapes</groupId><artifactId>jar")
          .append(i)
          .append("</artifactId><version>1</version><scope>system</scope><systemPath>")
          .append(jars.get(i).toAbsolutePath())
          .append("</systemPath></dependency>\n");
    }
    return pom.append("  </dependencies>\n</project>\n").toString();
  }
}
