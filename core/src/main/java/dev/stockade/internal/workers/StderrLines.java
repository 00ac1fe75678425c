package dev.stockade.internal.workers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a worker's stderr to SLF4J line by line, under the logger
 * {@code dev.stockade.worker.<pool>}, and keeps its last lines for error messages. The stream
 * is always drained, so a chatty worker never blocks on a full pipe.
 */
final class StderrLines {
  private static final int KEPT_LINES = 20;
  private static final int MAX_LINE_CHARS = 4096;

  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  private StderrLines() {}

  static StderrLines forward(InputStream stderr, String poolName, String workerId,
      Executor executor) {
    StderrLines lines = new StderrLines();
    Logger log = LoggerFactory.getLogger("dev.stockade.worker." + poolName);
    executor.execute(() -> lines.pump(stderr, log, workerId));
    return lines;
  }

  private void pump(InputStream stderr, Logger log, String workerId) {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.length() > MAX_LINE_CHARS) {
          line = line.substring(0, MAX_LINE_CHARS) + "…";
        }
        log.info("[{}] {}", workerId, line);
        keep(line);
      }
    } catch (IOException e) {
      // closed under us after teardown: what was read is kept
    } finally {
      drained.complete(null);
    }
  }

  private synchronized void keep(String line) {
    if (tail.size() == KEPT_LINES) {
      tail.removeFirst();
    }
    tail.addLast(line);
  }

  /** The last lines, oldest first, joined by newlines. */
  synchronized String lastLines(int count) {
    int skip = Math.max(0, tail.size() - count);
    StringBuilder text = new StringBuilder();
    for (String line : tail) {
      if (skip-- > 0) {
        continue;
      }
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(line);
    }
    return text.toString();
  }

  CompletableFuture<Void> drained() {
    return drained;
  }
}
