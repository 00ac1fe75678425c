package dev.stockade.examples.readme;

import dev.stockade.Codec;
import dev.stockade.MemorySize;
import dev.stockade.TaskOptions;
import dev.stockade.WorkerPool;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A {@link WorkerPool} of Python workers, {@code examples/python/title_worker.py}, which imports
 * {@code html_titles.py} from beside it: each task is an HTML page, each answer its title.
 */
public final class PythonTitles {
  private PythonTitles() {}

  /**
   * Prints the title of a small page.
   *
   * @param args the {@code examples} directory, optionally (run from the repository root otherwise)
   * @throws Exception if the task fails
   */
  public static void main(String[] args) throws Exception {
    Path examples = Path.of(args.length > 0 ? args[0] : "examples");
    System.out.println(titleOf(examples, "<html><title>A page</title></html>"));
  }

  /**
   * The title of {@code html}, from a pool of Python workers.
   *
   * @param examples the {@code examples} directory
   * @param html the page
   * @return its title
   * @throws Exception if the task fails
   */
  public static String titleOf(Path examples, String html) throws Exception {
    // spotless:off
    // README: begin
    try (WorkerPool<String, String> pool = WorkerPool.builder(Codec.utf8(), Codec.utf8())
            .pythonWorker(examples.resolve("python/title_worker.py")) // or .jvmWorker(MyHandler.class),
            .workers(4)                                   //    .nodeWorker(...), .command(...)
            .memoryLimit(MemorySize.ofMebibytes(512))     // hard: ended at once
            .softMemoryLimit(MemorySize.ofMebibytes(400)) // retired after its task (default 80 %)
            .maxTasksPerWorker(500)                       // recycled, with jitter
            .progressTimeout(Duration.ofSeconds(30))      // alive but stuck: ended
            .build()) {
        return pool.submit(html,
                TaskOptions.defaults().withLabel("title").withIdempotent(true)).get();
    }
    // README: end
    // spotless:on
  }
}
