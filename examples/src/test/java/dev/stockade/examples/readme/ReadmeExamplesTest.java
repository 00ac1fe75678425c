package dev.stockade.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stockade.MemorySize;
import dev.stockade.examples.readme.JsonQuotes.Order;
import dev.stockade.examples.readme.JsonQuotes.Quote;
import dev.stockade.testing.CapturedLog;
import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each of the README's examples runs and does what the README says, with the inputs it needs. */
@ExtendWith(NoLeakedProcesses.class)
class ReadmeExamplesTest {
  /** The tests run in the {@code examples} directory. */
  private static final Path EXAMPLES = Path.of(".");

  @Test
  void theScreenshotCommandWritesAPngWithChromium() throws Exception {
    TestProcesses.requireProgram("chromium");
    String printed = CapturedLog.stdoutDuring(() -> ScreenshotCommand.main(new String[0]));
    assertThat(printed).startsWith("exit code 0, peak ").contains(" bytes of PNG");
    long bytes = Long.parseLong(printed.replaceAll("(?s).*, (\\d+) bytes of PNG.*", "$1"));
    assertThat(bytes).isGreaterThan(1_000);
    String peak = printed.replaceAll("(?s)exit code 0, peak (.*?), \\d+ bytes.*", "$1");
    assertThat(MemorySize.parse(peak).toBytes()).isPositive();
  }

  @Test
  void aPythonWorkerImportsTheModuleBesideIt() throws Exception {
    TestProcesses.requireProgram("python3");
    assertThat(PythonTitles.titleOf(EXAMPLES, "<html><title>A page</title></html>"))
        .isEqualTo("A page");
  }

  @Test
  void aPythonWorkerRunsUnderTheInterpreterItsScriptWorkerNames() throws Exception {
    String python = TestProcesses.requireProgram("python3");
    assertThat(VirtualEnvWorker.titleOf(python, EXAMPLES, "<title>a page</title>"))
        .isEqualTo("A PAGE");
  }

  @Test
  void theBulkCallsAnswerInOrderAndAsTheyCome() throws Exception {
    TestProcesses.requireProgram("python3");
    BulkTitles run = new BulkTitles();
    List<String> titles =
        run.titles(
            EXAMPLES,
            List.of("<title>one</title>", "<title>two</title>", "<title>three</title>"),
            1_000);
    assertThat(titles).containsExactly("one", "two", "three");
    assertThat(run.stored()).hasSize(1_000);
    assertThat(
            run.stored().entrySet().stream()
                .filter(e -> !e.getValue().value().equals(String.valueOf(e.getKey())))
                .collect(Collectors.toList()))
        .isEmpty();
    assertThat(run.stored().keySet())
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 1_000).boxed().toList());
  }

  @Test
  void aJvmWorkerAnswersJsonThroughJacksonCodec() throws Exception {
    assertThat(JsonQuotes.price(new Order("widget", 4))).isEqualTo(new Quote("widget", 4, 1_000));
  }

  @Test
  void theMetricsBinderCountsTheCompletedTask() throws Exception {
    assertThat(MetricsBinding.completedTasks(new SimpleMeterRegistry())).isEqualTo(1.0);
  }
}
