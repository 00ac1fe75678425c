package dev.stockade.internal.workers;

import dev.stockade.internal.engine.LogContext;
import dev.stockade.internal.engine.PoolTask;
import dev.stockade.internal.os.OutputPipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a worker's stderr to SLF4J line by line, under the logger {@code
 * dev.stockade.worker.<pool>}, and keeps its last lines for error messages. The stream is always
 * drained, so a chatty worker never blocks on a full pipe.
 *
 * <p>Each line is logged with the {@link dev.stockade.MdcKeys} of the pool, the worker and the task
 * the worker was running when it wrote the line, and kept with that task's number, so that a task's
 * failure shows only its own lines ({@link #linesOf}). Which task that was is decided exactly for
 * lines a task's handler wrote before it returned: when the answer of the running task is read,
 * whatever the pipe holds at that moment was written before the answer, and is read then ({@link
 * #answered}), on the answer's reader, before the next task counts as running. The worker runs the
 * tasks it was sent one at a time, in order ({@link #assigned}). Where the pipe cannot be read
 * without blocking, the line goes to the task running when the pump read it.
 *
 * <p>Memory is bounded whatever the worker writes: the stream is read in chunks of {@value
 * #CHUNK_BYTES} bytes, and a line is held only up to {@value #MAX_LINE_BYTES} bytes. A longer line
 * is logged once it reaches that bound, as its first bytes followed by {@value #CUT_MARK}, and the
 * rest of it is counted, not kept; when it finally ends, one more record says how long it was.
 * Bytes are decoded as UTF-8 only once a record is complete, and a cut never splits a character;
 * malformed bytes become U+FFFD. A line ends at {@code \n}, {@code \r\n} or a lone {@code \r}
 * (progress bars redraw with it).
 *
 * <p>If the pump fails — anything thrown, an {@link Error} included, other than the end of a pipe
 * the pool stopped reading — the failure is handed to the callback given to {@link #onFailure}, so
 * the pool ends the worker: a worker whose stderr is no longer drained would block on its next
 * write while seeming healthy.
 */
final class StderrLines {
  static final int CHUNK_BYTES = 8192;
  static final int MAX_LINE_BYTES = 4096;
  static final String CUT_MARK = " …[line cut at " + MAX_LINE_BYTES + " bytes]";
  private static final int KEPT_LINES = 20;

  /** The task number of a line written while no task ran. */
  private static final long NO_TASK = Long.MIN_VALUE;

  /** A line as kept: its text, and the task running when it was written, or {@link #NO_TASK}. */
  private record Kept(long taskId, String text) {}

  /** The last lines; guarded by itself. */
  private final ArrayDeque<Kept> tail = new ArrayDeque<>();

  /**
   * Tasks sent to the worker and not answered, oldest first: the oldest is the one it runs. Guarded
   * by itself, never held while logging, so that the pool's dispatcher never waits on a logger.
   */
  private final ArrayDeque<PoolTask<?>> sent = new ArrayDeque<>();

  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private final Logger log;
  private final String poolName;
  private final String workerId;

  /** The pipe, where it is read without blocking, in turns; null where it is read by blocking. */
  private final OutputPipe turns;

  /**
   * Held by whoever reads the stream and splits what it read into lines: the pump, or the reader of
   * an answer; it guards everything below.
   */
  private final Object reading = new Object();

  private final byte[] chunk = new byte[CHUNK_BYTES];

  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);

  private final byte[] line = new byte[MAX_LINE_BYTES];
  private int lineLength;

  /** Bytes of the current line not logged, once it was cut; 0 while it is not cut. */
  private long cutBytes;

  /** Bytes of the current line that were logged, once it was cut. */
  private int shownBytes;

  private boolean afterCarriageReturn;

  private Throwable failure;
  private Consumer<Throwable> failureCallback;

  private StderrLines(Logger log, String poolName, String workerId, OutputPipe turns) {
    this.log = log;
    this.poolName = poolName;
    this.workerId = workerId;
    this.turns = turns;
  }

  static StderrLines forward(
      InputStream stderr, String poolName, String workerId, Executor executor) {
    OutputPipe turns =
        stderr instanceof OutputPipe pipe && pipe.readWithoutBlocking() ? pipe : null;
    StderrLines lines =
        new StderrLines(
            LoggerFactory.getLogger("dev.stockade.worker." + poolName), poolName, workerId, turns);
    executor.execute(() -> lines.pump(stderr));
    return lines;
  }

  /** {@code task} was sent to the worker, behind those sent before it. */
  void assigned(PoolTask<?> task) {
    synchronized (sent) {
      sent.addLast(task);
    }
  }

  /**
   * The task the worker runs was answered: what the pipe holds now was written before the answer,
   * so it is read now, as that task's; then the next task sent counts as running. Called on the
   * answer's reader, before the task is settled.
   */
  void answered() {
    if (turns != null) {
      synchronized (reading) {
        try {
          int n;
          while ((n = turns.readIfReady(chunk, 0, chunk.length)) > 0) {
            accept(chunk, n);
          }
        } catch (IOException e) {
          // the pump meets it too, and reports it
        }
      }
    }
    synchronized (sent) {
      sent.pollFirst();
    }
  }

  /** The task the worker runs now, or null. */
  PoolTask<?> running() {
    synchronized (sent) {
      return sent.peekFirst();
    }
  }

  /** Calls {@code callback} once with what made the pump fail, at once if it has already failed. */
  void onFailure(Consumer<Throwable> callback) {
    Throwable already;
    synchronized (this) {
      failureCallback = callback;
      already = failure;
    }
    if (already != null) {
      callback.accept(already);
    }
  }

  /** What made the pump fail, or null. */
  synchronized Throwable failure() {
    return failure;
  }

  private void pump(InputStream stderr) {
    try (stderr) {
      if (turns != null) {
        pumpInTurns();
      } else {
        byte[] buffer = new byte[CHUNK_BYTES];
        int n;
        while ((n = stderr.read(buffer)) >= 0) {
          accept(buffer, n);
        }
      }
      synchronized (reading) {
        if (lineLength > 0 || cutBytes > 0) {
          endLine();
        }
      }
    } catch (IOException e) {
      if (!(stderr instanceof OutputPipe pipe && pipe.isAbandoned())) {
        failed(e);
      }
      // else: the pool stopped reading a pipe that outlived the tree; what was read is kept
    } catch (Throwable e) {
      failed(e);
    } finally {
      drained.complete(null);
    }
  }

  /** Reads the pipe in turns with the readers of answers, until its end. */
  private void pumpInTurns() throws IOException {
    while (true) {
      turns.awaitReadable();
      synchronized (reading) {
        int n = turns.readNow(chunk, 0, chunk.length);
        if (n < 0) {
          return;
        }
        accept(chunk, n);
      }
    }
  }

  private void failed(Throwable e) {
    Consumer<Throwable> callback;
    synchronized (this) {
      failure = e;
      callback = failureCallback;
    }
    try (LogContext ignored = LogContext.tree(poolName, workerId, running())) {
      log.error("[{}] stopped reading the worker's stderr: {}", workerId, e.toString());
    } catch (Throwable ignored) {
      // the logger may be what failed
    }
    if (callback != null) {
      callback.accept(e);
    }
  }

  /** Splits a chunk into lines; package-private so tests can feed bytes without a process. */
  void accept(byte[] chunk, int n) {
    synchronized (reading) {
      split(chunk, n);
    }
  }

  private void split(byte[] chunk, int n) {
    int start = 0;
    for (int i = 0; i < n; i++) {
      byte b = chunk[i];
      if (b == '\n' || b == '\r') {
        boolean secondHalfOfCrLf =
            b == '\n' && afterCarriageReturn && i == start && lineLength == 0 && cutBytes == 0;
        afterCarriageReturn = b == '\r';
        if (!secondHalfOfCrLf) {
          append(chunk, start, i - start);
          endLine();
        }
        start = i + 1;
      } else {
        afterCarriageReturn = false;
      }
    }
    append(chunk, start, n - start);
  }

  private void append(byte[] bytes, int from, int count) {
    if (count <= 0) {
      return;
    }
    if (cutBytes > 0) {
      cutBytes += count;
      return;
    }
    int room = MAX_LINE_BYTES - lineLength;
    if (count <= room) {
      System.arraycopy(bytes, from, line, lineLength, count);
      lineLength += count;
      return;
    }
    System.arraycopy(bytes, from, line, lineLength, room);
    lineLength = MAX_LINE_BYTES;
    shownBytes = characterBoundary(line, lineLength);
    cutBytes = (long) (count - room) + (lineLength - shownBytes);
    emit(decode(line, shownBytes) + CUT_MARK);
  }

  private void endLine() {
    if (cutBytes > 0) {
      long total = shownBytes + cutBytes;
      record(
          "…[end of a cut line of " + total + " bytes; " + cutBytes + " not logged]",
          text -> log.info("[{}] {}", workerId, text),
          false);
    } else {
      record(decode(line, lineLength), text -> log.info("[{}] {}", workerId, text), true);
    }
    lineLength = 0;
    cutBytes = 0;
  }

  private void emit(String text) {
    record(text, t -> log.info("[{}] {}", workerId, t), true);
  }

  /** Logs a record under the running task's context, and keeps it if {@code keep}. */
  private void record(String text, Consumer<String> logging, boolean keep) {
    PoolTask<?> task = running();
    if (log.isInfoEnabled()) {
      try (LogContext ignored = LogContext.tree(poolName, workerId, task)) {
        logging.accept(text);
      }
    }
    if (keep) {
      keep(task == null ? NO_TASK : task.id(), text);
    }
  }

  /**
   * The length of the longest prefix of {@code bytes[0, length)} that does not end inside a UTF-8
   * sequence: a lead byte whose continuation bytes were cut off is left out with them.
   */
  static int characterBoundary(byte[] bytes, int length) {
    int i = length - 1;
    int continuation = 0;
    while (i >= 0 && continuation < 3 && (bytes[i] & 0xC0) == 0x80) {
      continuation++;
      i--;
    }
    if (i < 0) {
      return length;
    }
    int lead = bytes[i] & 0xff;
    int needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    return needed > continuation ? i : length;
  }

  private String decode(byte[] bytes, int length) {
    try {
      return decoder.reset().decode(ByteBuffer.wrap(bytes, 0, length)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("a replacing decoder threw", e);
    }
  }

  private void keep(long taskId, String text) {
    synchronized (tail) {
      if (tail.size() == KEPT_LINES) {
        tail.removeFirst();
      }
      tail.addLast(new Kept(taskId, text));
    }
  }

  /** The last lines, oldest first, joined by newlines. */
  String lastLines(int count) {
    return lines(count, NO_TASK, false);
  }

  /**
   * The last lines the worker wrote while it ran {@code task}, oldest first, joined by newlines;
   * empty if it wrote none (or none is still kept).
   */
  String linesOf(PoolTask<?> task, int count) {
    return lines(count, task.id(), true);
  }

  private String lines(int count, long taskId, boolean ofTaskOnly) {
    var chosen = new ArrayList<String>();
    synchronized (tail) {
      for (Kept kept : tail) {
        if (!ofTaskOnly || kept.taskId() == taskId) {
          chosen.add(kept.text());
        }
      }
    }
    return String.join("\n", chosen.subList(Math.max(0, chosen.size() - count), chosen.size()));
  }

  CompletableFuture<Void> drained() {
    return drained;
  }
}
