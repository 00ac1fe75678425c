package dev.stockade.examples.boot;

import dev.stockade.Command;
import dev.stockade.CommandPool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * {@code GET /render?title=...}: a page with the title, rendered to PNG by headless Chromium in the
 * {@code render} pool, which holds each Chromium tree to its memory limit and timeout.
 */
@RestController
public class RenderController {
  // spotless:off
  // README: begin
  private final CommandPool render;   // the bean the starter made of stockade.pools.render

  public RenderController(CommandPool render) {
      this.render = render;
  }

  /** Chromium writes {@code dir/page.png}: the tree held to the pool's memory limit and timeout. */
  private void screenshot(Path page, Path dir) throws InterruptedException, ExecutionException {
      render.run(Command.of("chromium", "--headless",
                      "--no-sandbox",               // as root (a container): Chromium refuses its sandbox
                      "--disable-dev-shm-usage",    // a container's /dev/shm is often 64 MB
                      "--disable-gpu", "--window-size=800,600",
                      "--user-data-dir=" + dir.resolve("profile"),
                      "--screenshot=page.png", page.toUri().toString())
              .withDirectory(dir)
              .withEnvironment("LANG", "C.UTF-8")).get();
  }
  // README: end
  // spotless:on

  /**
   * Renders a page that shows {@code title}.
   *
   * @param title the page's heading
   * @return the PNG Chromium wrote
   * @throws IOException if the page or the picture cannot be written or read
   * @throws ExecutionException if the pool failed the task (its cause says why: a memory limit, the
   *     timeout, a non-zero exit)
   * @throws InterruptedException if the request's thread is interrupted while it waits
   */
  @GetMapping(value = "/render", produces = MediaType.IMAGE_PNG_VALUE)
  public byte[] render(
      @RequestParam(name = "title", defaultValue = "Rendered in a pool") String title)
      throws IOException, ExecutionException, InterruptedException {
    Path dir = Files.createTempDirectory("render");
    try {
      Path page = dir.resolve("page.html");
      Files.writeString(
          page,
          "<!doctype html><meta charset=utf-8><h1>" + HtmlUtils.htmlEscape(title) + "</h1>",
          StandardCharsets.UTF_8);
      screenshot(page, dir);
      return Files.readAllBytes(dir.resolve("page.png"));
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
