package dev.stockade.examples.readme;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import dev.stockade.CommandResult;
import dev.stockade.MemorySize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A screenshot of a page by headless Chromium, run through a {@link CommandPool}: the command and
 * every process it starts capped at 768 MiB together and held to 30 s. Needs Debian's {@code
 * chromium}.
 */
public final class ScreenshotCommand {
  private ScreenshotCommand() {}

  /**
   * Takes the screenshot of {@code args[0]} (a page of its own by default) into a new temporary
   * directory and prints what the pool saw.
   *
   * @param args the page's URL, optionally
   * @throws Exception if the pool fails the task
   */
  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "data:text/html,<h1>Rendered in a pool</h1>";
    Path workDir = Files.createTempDirectory("screenshots");
    // spotless:off
    // README: begin
    try (CommandPool pool = CommandPool.builder()
            .name("render")
            .workers(2)                                   // at most 2 live trees
            .queueCapacity(100)                           // then PoolSaturatedException
            .memoryLimit(MemorySize.ofMebibytes(768))     // whole tree: command + every descendant
            .taskTimeout(Duration.ofSeconds(30))
            .build()) {
        CommandResult r = pool.run(Command.of("chromium", "--headless",
                    "--no-sandbox",               // as root (a container): Chromium refuses its sandbox
                    "--disable-dev-shm-usage",    // a container's /dev/shm is often 64 MB
                    "--disable-gpu", "--screenshot=page.png", url)
                .withDirectory(workDir)
                .withEnvironment("LANG", "C.UTF-8")).get();
        // Chromium logs to stderr; the picture is the file it wrote.
        System.out.println(r.exitStatus() + ", peak " + r.peakMemory() + ", "
                + Files.size(workDir.resolve("page.png")) + " bytes of PNG");
    }
    // README: end
    // spotless:on
  }
}
