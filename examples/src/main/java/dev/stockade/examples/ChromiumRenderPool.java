package dev.stockade.examples;

import com.sun.net.httpserver.HttpServer;
import dev.stockade.Codec;
import dev.stockade.MemorySize;
import dev.stockade.WorkerPool;
import dev.stockade.WorkerPoolBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pages rendered in headless Chromium by a {@link WorkerPool} of Node workers ({@code
 * examples/node-chromium/render-worker.js}, puppeteer-core): each worker launches one browser on
 * its first task and keeps it for the next ones. puppeteer starts the browser in a session of its
 * own, where it outlives a node that was killed; the pool ends it with the worker all the same,
 * since it is part of the worker's tree, and removes the profile puppeteer leaves in the worker's
 * {@code TMPDIR}.
 *
 * <p>Needs Node 18+, Debian's {@code chromium} at {@code /usr/bin/chromium}, and the worker's
 * packages: run {@code npm ci} in {@code examples/node-chromium} once. Then, from the repository
 * root:
 *
 * <pre>{@code
 * mvn -q -pl examples -am -DskipTests package exec:java \
 *     -Dexec.mainClass=dev.stockade.examples.ChromiumRenderPool
 * }</pre>
 */
public final class ChromiumRenderPool {
  /** The pages {@link #main} serves, by path. */
  static final Map<String, String> PAGES = pages();

  private ChromiumRenderPool() {}

  public static void main(String[] args) throws Exception {
    Path script = Path.of(args.length > 0 ? args[0] : "examples/node-chromium/render-worker.js");
    long started = System.nanoTime();
    for (Rendered page : renderSamplePages(script)) {
      System.out.printf(
          "%-40s %5d characters of text  (chrome pid %d)%n",
          page.title(), page.textLength(), page.chromePid());
    }
    System.out.printf("rendered in %d ms%n", (System.nanoTime() - started) / 1_000_000);
  }

  /** What one task answers, from the worker's JSON. */
  public record Rendered(String title, int textLength, long chromePid) {
    private static final Pattern TITLE =
        Pattern.compile("\"title\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern TEXT_LENGTH = Pattern.compile("\"textLength\"\\s*:\\s*(\\d+)");
    private static final Pattern CHROME_PID = Pattern.compile("\"chromePid\"\\s*:\\s*(\\d+)");

    /** Reads the worker's answer, {@code {"title":"…","textLength":12,"chromePid":345}}. */
    public static Rendered parse(String json) {
      return new Rendered(
          unescape(find(TITLE, json)),
          Integer.parseInt(find(TEXT_LENGTH, json)),
          Long.parseLong(find(CHROME_PID, json)));
    }

    private static String find(Pattern pattern, String json) {
      Matcher m = pattern.matcher(json);
      if (!m.find()) {
        throw new IllegalArgumentException("not a render result: " + json);
      }
      return m.group(1);
    }

    /** Undoes JSON string escapes. */
    private static String unescape(String text) {
      StringBuilder out = new StringBuilder(text.length());
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = text.charAt(++i);
        switch (e) {
          case 'n' -> out.append('\n');
          case 't' -> out.append('\t');
          case 'r' -> out.append('\r');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'u' -> {
            out.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
            i += 4;
          }
          default -> out.append(e); // \" \\ \/
        }
      }
      return out.toString();
    }
  }

  /**
   * A pool of one render worker running {@code script}, its whole tree (node and Chromium) capped
   * at 1 GiB, tasks at 60 s. Callers add their own settings, a name included, before {@code
   * build()}.
   */
  public static WorkerPoolBuilder<String, String> renderPool(Path script) {
    return WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .nodeWorker(script)
        .workers(1)
        .memoryLimit(MemorySize.ofGibibytes(1))
        .taskTimeout(Duration.ofSeconds(60));
  }

  /**
   * Serves {@link #PAGES} on 127.0.0.1 and renders each through a fresh pool of {@link
   * #renderPool}, in order.
   */
  public static List<Rendered> renderSamplePages(Path script) throws Exception {
    HttpServer server = serve(PAGES);
    try (WorkerPool<String, String> pool = renderPool(script).name("chromium-render").build()) {
      List<CompletableFuture<String>> answers = new ArrayList<>();
      for (String path : PAGES.keySet()) {
        answers.add(pool.submit(baseUrl(server) + path));
      }
      List<Rendered> rendered = new ArrayList<>();
      for (CompletableFuture<String> answer : answers) {
        rendered.add(Rendered.parse(answer.get(2, TimeUnit.MINUTES)));
      }
      return rendered;
    } finally {
      server.stop(0);
    }
  }

  /** Starts a server on 127.0.0.1 and a free port that answers each path with its HTML. */
  // An address literal: nothing is looked up, so there is no address to choose among.
  @SuppressWarnings("AddressSelection")
  public static HttpServer serve(Map<String, String> pages) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String html = pages.get(exchange.getRequestURI().getPath());
          byte[] body =
              (html != null ? html : "<title>not found</title>").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(html != null ? 200 : 404, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return server;
  }

  /** {@code http://127.0.0.1:PORT} of a started server. */
  public static String baseUrl(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static Map<String, String> pages() {
    Map<String, String> pages = new LinkedHashMap<>();
    pages.put(
        "/report",
        "<!doctype html><html><head><title>Quarterly report</title></head>"
            + "<body><h1>Quarterly report</h1><p>Sales grew in every region.</p></body></html>");
    // Only a browser that runs the page's script sees this title.
    pages.put(
        "/dashboard",
        "<!doctype html><html><head><title>loading…</title></head><body>"
            + "<div id=\"out\"></div><script>document.title = 'Dashboard: ' + (6 * 7) + ' open tasks';"
            + "document.getElementById('out').textContent = 'rendered by script';</script>"
            + "</body></html>");
    return Collections.unmodifiableMap(pages);
  }
}
