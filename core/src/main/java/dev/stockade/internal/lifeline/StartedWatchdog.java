package dev.stockade.internal.lifeline;

import dev.stockade.internal.os.SpawnedProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A watchdog process that was started, and what it has said: {@link #ready()} completes when it
 * writes {@link Watchdog#READY} on its stdout — it runs, has loaded what its end needs and reads
 * its pipe — and everything it writes on stderr before then is kept (the last {@value #KEPT_CHARS}
 * characters), so a watchdog that never gets there can be reported with its own words ("Error:
 * Could not find or load main class …"); once it is ready they are handed on like every later line.
 * Both streams are read to their end on threads of their own, so the watchdog never blocks on a
 * full pipe.
 */
final class StartedWatchdog {
  private static final int KEPT_CHARS = 4096;

  private final SpawnedProcess process;

  /** True once it said it is ready; false once it exited without saying so. */
  private final CompletableFuture<Boolean> ready = new CompletableFuture<>();

  private final StringBuilder said = new StringBuilder();

  /**
   * Guarded by {@link #said}: once true, stderr lines are handed on instead of kept. Apart from
   * {@link #ready}, which completes outside that lock: its dependents take the lifeline's own lock,
   * which holds this one while it asks what the watchdog said.
   */
  private boolean handingOn;

  private final Thread errorReader;
  private final Consumer<String> afterReady;

  /**
   * @param afterReady receives, once it is ready, each line it wrote on stderr before, then each
   *     line it writes
   */
  StartedWatchdog(SpawnedProcess process, Consumer<String> afterReady) {
    this.process = process;
    this.afterReady = afterReady;
    Thread outputReader =
        new Thread(
            () -> {
              readOutput(process.stdout());
              // Its stdout ended, so every line it wrote was read: a READY would have been seen.
              // complete() cannot throw, so this future never holds a failure.
              var unused = process.exit().whenComplete((status, failure) -> ready.complete(false));
            },
            "stockade-watchdog-stdout-" + process.pid());
    errorReader =
        new Thread(() -> readErrors(process.stderr()), "stockade-watchdog-stderr-" + process.pid());
    outputReader.setDaemon(true);
    errorReader.setDaemon(true);
    outputReader.start();
    errorReader.start();
  }

  SpawnedProcess process() {
    return process;
  }

  long pid() {
    return process.pid();
  }

  /**
   * Completes with true when the watchdog said it is ready, or with false once it exited (and its
   * stdout was read to the end) without saying so.
   */
  CompletableFuture<Boolean> ready() {
    return ready;
  }

  /** Whether it said it is ready. */
  boolean isReady() {
    return ready.getNow(false);
  }

  /**
   * What it wrote on stderr before it was ready, on one line, once its stderr reached its end or
   * {@code waitMillis} passed; at once if {@code waitMillis} is 0.
   */
  String said(long waitMillis) {
    try {
      if (waitMillis > 0) { // join(0) would wait for as long as the watchdog lives
        errorReader.join(waitMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (said) {
      String text = said.toString().strip().replaceAll("\\s*\\R\\s*", " | ");
      return text.isEmpty() ? "it wrote nothing on stderr" : "its stderr: " + text;
    }
  }

  private void readOutput(InputStream stdout) {
    try (BufferedReader lines = reader(stdout)) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.equals(Watchdog.READY)) {
          synchronized (said) {
            handingOn = true;
            // What it said on its way (a JVM's warning) is logged now, in order.
            said.toString().lines().forEach(afterReady);
            said.setLength(0);
          }
          ready.complete(true);
        }
      }
    } catch (IOException e) {
      // its end: the exit is seen on its own
    }
  }

  private void readErrors(InputStream stderr) {
    try (BufferedReader lines = reader(stderr)) {
      String line;
      while ((line = lines.readLine()) != null) {
        synchronized (said) {
          if (handingOn) {
            afterReady.accept(line);
            continue;
          }
          said.append(line).append('\n');
          if (said.length() > KEPT_CHARS) {
            said.delete(0, said.length() - KEPT_CHARS);
          }
        }
      }
    } catch (IOException e) {
      // its end
    }
  }

  private static BufferedReader reader(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }

  /**
   * Waits up to {@code timeoutMillis} for it to say it is ready; false if it exited first or the
   * time ran out.
   */
  boolean awaitReady(long timeoutMillis) throws InterruptedException {
    try {
      return ready.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }
}
