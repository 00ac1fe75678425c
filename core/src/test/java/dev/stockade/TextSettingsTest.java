package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.ScriptedHandler;
import java.io.StringReader;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Either pool built from settings given as text, with the builder's names and the builder's own
 * checks: what a configuration file or a framework hands over.
 */
@ExtendWith(NoLeakedProcesses.class)
class TextSettingsTest {

  @Test
  void buildsAWorkerPoolFromAPropertiesFileWithTheBuildersNames() throws Exception {
    Properties file = new Properties();
    file.load(
        new StringReader(
            """
            name = from-properties
            jvmWorker = dev.stockade.testing.ScriptedHandler
            workers = 2
            queueCapacity = 7
            memoryLimit = 256MiB
            taskTimeout = 30s
            heartbeatInterval = 100ms
            restartBackoff = 100ms, 2s
            cgroupMode = none
            shutdownHook = false
            jvmOptions = -Xss1m, -Dgreeting=hello
            """));

    try (WorkerPool<String, String> pool =
        WorkerPool.builder(Codec.utf8(), Codec.utf8()).settings(file).build()) {
      assertThat(pool.submit("echo:configured").get(30, TimeUnit.SECONDS)).isEqualTo("configured");
      PoolSnapshot snapshot = pool.snapshot();
      assertThat(snapshot.poolName()).isEqualTo("from-properties");
      assertThat(snapshot.maxWorkers()).isEqualTo(2);
      assertThat(snapshot.queueCapacity()).isEqualTo(7);
      assertThat(snapshot.containment()).contains("cgroupMode is NONE");
    }
  }

  @Test
  void takesKebabCaseNamesAsConfigurationFilesWriteThem() throws Exception {
    try (CommandPool pool =
        CommandPool.builder()
            .settings(
                Map.of(
                    "queue-capacity", "3",
                    "output-limit", "1KiB",
                    "fail-on-non-zero-exit", "true",
                    "shutdown-hook", "false"))
            .build()) {
      assertThat(pool.snapshot().queueCapacity()).isEqualTo(3);
      assertThatThrownBy(() -> pool.run(Command.of("false")).get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CommandFailedException.class);
    }
  }

  @Test
  void aValueTheBuilderRefusesGivesTheBuildersOwnMessageAtBuild() {
    WorkerPoolBuilder<String, String> fromText =
        WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .jvmWorker(ScriptedHandler.class)
            .settings(Map.of("workers", "0", "shutdownHook", "false"));

    assertThatThrownBy(fromText::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workers must be between 1 and 4096, but was 0");
  }

  @Test
  void refusesANameThatIsNoSettingListingTheSettings() {
    assertThatThrownBy(() -> CommandPool.builder().settings(Map.of("memoryLimt", "1GiB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'memoryLimt' is not a setting of CommandPoolBuilder")
        .hasMessageContaining("memoryLimit, ")
        .hasMessageNotContaining("listener");
  }

  @Test
  void refusesAValueNotOfItsTypeNamingTheSettingTheValueAndWhatIsAllowed() {
    assertRefused("memoryLimit", "lots", "memoryLimit must be a memory size such as 512MiB or 2g");
    assertRefused("taskTimeout", "30", "taskTimeout must be a whole number and a unit of ns, us");
    assertRefused("workers", "four", "workers must be a whole number, but was 'four'");
    assertRefused("shutdownHook", "yes", "shutdownHook must be true or false, but was 'yes'");
    assertRefused(
        "cgroupMode", "v3", "cgroupMode must be one of " + enumNames() + ", but was 'v3'");
  }

  @Test
  void refusesAHandlerClassThatCannotBeLoadedOrIsNoHandler() {
    assertRefused(
        "jvmWorker",
        "com.example.Missing",
        "jvmWorker must be the name of a class this JVM can load, but was 'com.example.Missing'");
    assertRefused(
        "jvmWorker",
        "java.lang.String",
        "jvmWorker must be a class that implements dev.stockade.worker.Handler, but was"
            + " 'java.lang.String'");
  }

  @Test
  void appliesNothingWhenOneValueIsRefused() {
    WorkerPoolBuilder<String, String> builder = WorkerPool.builder(Codec.utf8(), Codec.utf8());
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("workers", "2");
    settings.put("memoryLimit", "lots");

    assertThatThrownBy(() -> builder.settings(settings))
        .isInstanceOf(IllegalArgumentException.class);
    // workers may still be set once: the refused call set nothing.
    assertThatCode(() -> builder.workers(3).taskTimeout(Duration.ofSeconds(1)))
        .doesNotThrowAnyException();
  }

  private static void assertRefused(String name, String value, String messageStart) {
    assertThatThrownBy(
            () -> WorkerPool.builder(Codec.utf8(), Codec.utf8()).settings(Map.of(name, value)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(messageStart)
        .hasMessageEndingWith(", but was '" + value + "'");
  }

  private static String enumNames() {
    return String.join(
        ", ", Arrays.stream(CgroupMode.values()).map(Enum::name).toArray(String[]::new));
  }
}
