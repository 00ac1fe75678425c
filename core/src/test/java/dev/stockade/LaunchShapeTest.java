package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.InMemoryClassLoader;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import dev.stockade.testing.TestProcesses;
import dev.stockade.worker.Handler;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A JVM worker whose handler came from a class loader whose classes are not files is refused at
 * {@code build()}, naming the shape and the fix, and runs once the fix — the class path of its
 * workers, named by the application — is given. The shapes a JVM is really started in (class path,
 * Spring Boot jar, {@code mvn exec:java}, module path) are proven by the launch-shape tests of
 * {@code stockade-shapes-tests}.
 */
@ExtendWith(NoLeakedProcesses.class)
@Timeout(120)
class LaunchShapeTest {
  private static final Class<? extends Handler> IN_MEMORY =
      InMemoryClassLoader.copyOf(ScriptedHandler.class).asSubclass(Handler.class);

  private static WorkerPoolBuilder<String, String> pool(Class<? extends Handler> handler) {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .jvmWorker(handler)
        .workers(1)
        .startTimeout(Duration.ofSeconds(30))
        .shutdownHook(false);
  }

  private static List<Path> thisClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of)
        .toList();
  }

  @Test
  void aHandlerFromAClassLoaderWithoutFilesIsRefusedAtBuildNamingTheShapeAndTheFix() {
    assertThat(IN_MEMORY.getClassLoader()).isNotSameAs(ScriptedHandler.class.getClassLoader());

    assertThatThrownBy(() -> pool(IN_MEMORY).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "jvmWorker must be a class another JVM can be started with, "
                + "but "
                + ScriptedHandler.class.getName()
                + " was loaded by "
                + InMemoryClassLoader.class.getName()
                + " 'in-memory'")
        .hasMessageContaining("shape: a class loader whose classes are not files")
        .hasMessageContaining("jvmWorkerClassPath(List<Path>)");
  }

  @Test
  void jvmWorkerClassPathStartsWorkersWhoseHandlerCameFromAClassLoaderWithoutFiles()
      throws Exception {
    String marker = "-Dstockade.test.marker=" + TestProcesses.uniqueSleepSeconds();
    try (WorkerPool<String, String> pool =
        pool(IN_MEMORY).jvmWorkerClassPath(thisClassPath()).jvmOptions(List.of(marker)).build()) {
      assertThat(pool.submit("echo:hello").get(60, TimeUnit.SECONDS)).isEqualTo("hello");
      assertThat(TestProcesses.liveWithCommandLine(marker))
          .as("its worker, by command line")
          .singleElement()
          .asString()
          .contains(
              "-cp "
                  + String.join(
                      File.pathSeparator,
                      thisClassPath().stream().map(p -> p.toAbsolutePath().toString()).toList()));
    }
  }

  @Test
  void jvmWorkerClassPathMustNameFilesThatExist() {
    Path missing = Path.of("/nonexistent/handler.jar");

    assertThatThrownBy(
            () ->
                pool(ScriptedHandler.class)
                    .jvmWorkerClassPath(List.of(Path.of(System.getProperty("java.home")), missing))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "jvmWorkerClassPath must be existing jars and directories, but was "
                + missing
                + " (entry 1, which does not exist)");
  }

  @Test
  void jvmWorkerClassPathIsOnlyForJvmWorkers() {
    assertThatThrownBy(
            () ->
                WorkerPool.builder(Codec.utf8(), Codec.utf8())
                    .command(Command.of("cat"))
                    .jvmWorkerClassPath(thisClassPath())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "jvmWorkerClassPath must be set only for jvmWorker pools, but " + "was ");
  }
}
