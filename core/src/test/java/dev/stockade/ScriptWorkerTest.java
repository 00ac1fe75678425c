package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stockade.testing.NoLeakedProcesses;
import dev.stockade.testing.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python and Node workers run by the interpreter the pool is given, with its options, the script's
 * arguments, an environment and a working directory; all of it checked at {@code build()}.
 */
@ExtendWith(NoLeakedProcesses.class)
class ScriptWorkerTest {
  /** Says how it was started: interpreter, optimisation flag, arguments, a variable, directory. */
  private static final String PYTHON_REPORTER =
      """
      import os, sys
      import stockade_worker
      import beside

      def handle(payload, context):
          return "|".join([
              os.environ.get("STARTED_BY", "-"),
              str(sys.flags.optimize),
              ",".join(sys.argv[1:]),
              os.environ.get("GREETING", "-"),
              os.getcwd(),
              beside.NAME,
          ]).encode()

      if __name__ == "__main__":
          stockade_worker.run(handle)
      """;

  private static final String NODE_REPORTER =
      """
      const { run } = require('stockade-worker');
      run(async () => [
        process.env.STARTED_BY || '-',
        process.execArgv.join(','),
        process.argv.slice(2).join(','),
        process.env.GREETING || '-',
        process.cwd(),
      ].join('|'));
      """;

  @TempDir Path dir;

  private static WorkerPoolBuilder<String, String> builder() {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .workers(1)
        .startTimeout(Duration.ofSeconds(30))
        .terminationGrace(Duration.ofMillis(500))
        .shutdownHook(false);
  }

  @Test
  void aPythonWorkerRunsTheInterpreterItNamesWithItsOptionsArgumentsEnvironmentAndDirectory()
      throws Exception {
    Path python = venvLikeInterpreter(TestProcesses.requireProgram("python3"), "python");
    Path app = Files.createDirectories(dir.resolve("app"));
    Files.writeString(app.resolve("reporter.py"), PYTHON_REPORTER);
    Files.writeString(app.resolve("beside.py"), "NAME = 'the module beside the script'\n");

    try (WorkerPool<String, String> pool =
        builder()
            .pythonWorker(
                ScriptWorker.of(Path.of("reporter.py")) // relative: taken from the directory
                    .withInterpreter(python.toString())
                    .withInterpreterOptions("-O")
                    .withArguments("--model", "small")
                    .withEnvironment("GREETING", "grüezi")
                    .withDirectory(app))
            .build()) {
      assertThat(pool.submit("").get(30, TimeUnit.SECONDS).split("\\|", -1))
          .containsExactly(
              "the interpreter at " + python,
              "1",
              "--model,small",
              "grüezi",
              app.toRealPath().toString(),
              "the module beside the script");
    }
  }

  @Test
  void aPythonPathOfTheWorkersOwnStaysBehindTheRuntime() throws Exception {
    TestProcesses.requireProgram("python3");
    Path modules = Files.createDirectories(dir.resolve("modules"));
    Files.writeString(modules.resolve("shared_lib.py"), "ANSWER = 'from PYTHONPATH'\n");
    Path script = dir.resolve("uses_path.py");
    Files.writeString(
        script,
        """
        import stockade_worker, shared_lib
        stockade_worker.run(lambda payload, context: shared_lib.ANSWER.encode())
        """);

    try (WorkerPool<String, String> pool =
        builder()
            .pythonWorker(ScriptWorker.of(script).withEnvironment("PYTHONPATH", modules.toString()))
            .build()) {
      assertThat(pool.submit("").get(30, TimeUnit.SECONDS)).isEqualTo("from PYTHONPATH");
    }
  }

  @Test
  void aNodeWorkerRunsTheInterpreterItNamesFromItsDirectoryWithItsOptionsArgumentsAndEnvironment()
      throws Exception {
    Path node = venvLikeInterpreter(TestProcesses.requireProgram("node"), "node");
    Path app = Files.createDirectories(dir.resolve("app"));
    Files.writeString(app.resolve("reporter.js"), NODE_REPORTER);

    try (WorkerPool<String, String> pool =
        builder()
            .nodeWorker(
                ScriptWorker.of(Path.of("reporter.js"))
                    .withInterpreter("../venv/bin/node") // relative: from the directory
                    .withInterpreterOptions("--max-old-space-size=64")
                    .withArguments("--model", "small")
                    .withEnvironment("GREETING", "grüezi")
                    .withDirectory(app))
            .build()) {
      String[] report = pool.submit("").get(30, TimeUnit.SECONDS).split("\\|", -1);
      assertThat(Path.of(report[0].substring("the interpreter at ".length())).normalize())
          .isEqualTo(node);
      assertThat(report[1]).isEqualTo("--max-old-space-size=64");
      assertThat(report[2]).isEqualTo("--model,small");
      assertThat(report[3]).isEqualTo("grüezi");
      assertThat(report[4]).isEqualTo(app.toRealPath().toString());
    }
  }

  @Test
  void buildRefusesAnInterpreterThatDoesNotExistNamingItsPath() throws Exception {
    Path script = dir.resolve("worker.py");
    Files.writeString(script, "pass\n");
    Path missing = dir.resolve("venv/bin/python");

    assertThatThrownBy(
            () ->
                builder()
                    .pythonWorker(ScriptWorker.of(script).withInterpreter(missing.toString()))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pythonWorker must start a program the kernel can run, but")
        .hasMessageContaining(missing.toString());
  }

  @Test
  void buildRefusesADirectoryThatDoesNotExist() throws Exception {
    Path script = dir.resolve("worker.js");
    Files.writeString(script, "\n");
    Path missing = dir.resolve("nowhere");

    assertThatThrownBy(
            () -> builder().nodeWorker(ScriptWorker.of(script).withDirectory(missing)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodeWorker must be started in an existing directory, but was " + missing);
  }

  @Test
  void buildLooksForARelativeScriptInTheWorkersDirectory() throws Exception {
    Files.writeString(dir.resolve("worker.py"), "pass\n");
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

    assertThatThrownBy(
            () ->
                builder()
                    .pythonWorker(ScriptWorker.of(Path.of("worker.py")).withDirectory(elsewhere))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "pythonWorker must be an existing file, but was " + elsewhere.resolve("worker.py"));
  }

  @Test
  void refusesOptionsArgumentsAndVariablesTheKernelWouldCutNamingWhich() {
    ScriptWorker worker = ScriptWorker.of(Path.of("w.py"));
    assertThatThrownBy(() -> worker.withInterpreterOptions("-X", "de\0v"))
        .hasMessage("interpreterOptions must not contain NUL, but argument 1 was 'de\\0v'");
    assertThatThrownBy(() -> worker.withArguments("a\0b"))
        .hasMessage("arguments must not contain NUL, but argument 0 was 'a\\0b'");
    assertThatThrownBy(() -> worker.withInterpreter(" "))
        .hasMessage("interpreter must not be blank, but was ' '");
    assertThatThrownBy(() -> worker.withEnvironment("A=B", "x"))
        .hasMessage(
            "environment variable name must be non-empty without '=' or NUL, but was 'A=B'");
  }

  /**
   * An interpreter in a directory of the test's own, as a virtual environment's {@code bin/python}
   * is — a path no pool would find on its own — that says it was the one started, then runs the
   * real one with the same arguments.
   */
  private Path venvLikeInterpreter(String real, String name) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("venv/bin"));
    Path interpreter = bin.resolve(name);
    Files.writeString(
        interpreter, "#!/bin/sh\nSTARTED_BY=\"the interpreter at $0\" exec " + real + " \"$@\"\n");
    Files.setPosixFilePermissions(interpreter, PosixFilePermissions.fromString("rwx------"));
    return interpreter;
  }
}
