package dev.stockade.examples.readme;

import dev.stockade.Codec;
import dev.stockade.ScriptWorker;
import dev.stockade.WorkerPool;
import java.nio.file.Path;

/**
 * A Python worker started by an interpreter of the application's choosing (a virtual environment's
 * {@code python}), with its options, the script's arguments, an environment and a working
 * directory.
 */
public final class VirtualEnvWorker {
  private VirtualEnvWorker() {}

  /**
   * Prints the upper-cased title of a small page.
   *
   * @param args the interpreter, optionally, then the {@code examples} directory
   * @throws Exception if the task fails
   */
  public static void main(String[] args) throws Exception {
    String interpreter = args.length > 0 ? args[0] : "/srv/app/.venv/bin/python";
    Path examples = Path.of(args.length > 1 ? args[1] : "examples");
    System.out.println(titleOf(interpreter, examples, "<title>a page</title>"));
  }

  /**
   * The upper-cased title of {@code html}, from a worker that {@code interpreter} runs.
   *
   * @param interpreter the Python to start the worker with
   * @param examples the {@code examples} directory
   * @param html the page
   * @return its title, upper-cased by the worker's {@code --uppercase}
   * @throws Exception if the task fails
   */
  public static String titleOf(String interpreter, Path examples, String html) throws Exception {
    // spotless:off
    // README: begin
    WorkerPool<String, String> pool = WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(ScriptWorker.of(Path.of("title_worker.py"))
                    .withInterpreter(interpreter)           // say /srv/app/.venv/bin/python
                    .withInterpreterOptions("-X", "utf8")
                    .withArguments("--uppercase")
                    .withEnvironment("PYTHONDONTWRITEBYTECODE", "1")
                    .withDirectory(examples.resolve("python"))) // the script is found from here
            .build();
    // README: end
    // spotless:on
    try (pool) {
      return pool.submit(html).get();
    }
  }
}
