package dev.stockade.internal.workers;

import dev.stockade.internal.os.OutputPipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
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

  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private final Logger log;
  private final String workerId;
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

  private StderrLines(Logger log, String workerId) {
    this.log = log;
    this.workerId = workerId;
  }

  static StderrLines forward(
      InputStream stderr, String poolName, String workerId, Executor executor) {
    StderrLines lines =
        new StderrLines(LoggerFactory.getLogger("dev.stockade.worker." + poolName), workerId);
    executor.execute(() -> lines.pump(stderr));
    return lines;
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
      byte[] chunk = new byte[CHUNK_BYTES];
      int n;
      while ((n = stderr.read(chunk)) >= 0) {
        accept(chunk, n);
      }
      if (lineLength > 0 || cutBytes > 0) {
        endLine();
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

  private void failed(Throwable e) {
    Consumer<Throwable> callback;
    synchronized (this) {
      failure = e;
      callback = failureCallback;
    }
    try {
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
      log.info(
          "[{}] …[end of a cut line of {} bytes; {} not logged]",
          workerId,
          shownBytes + cutBytes,
          cutBytes);
    } else {
      emit(decode(line, lineLength));
    }
    lineLength = 0;
    cutBytes = 0;
  }

  private void emit(String text) {
    log.info("[{}] {}", workerId, text);
    keep(text);
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

  private synchronized void keep(String text) {
    if (tail.size() == KEPT_LINES) {
      tail.removeFirst();
    }
    tail.addLast(text);
  }

  /** The last lines, oldest first, joined by newlines. */
  synchronized String lastLines(int count) {
    int skip = Math.max(0, tail.size() - count);
    StringBuilder text = new StringBuilder();
    for (String kept : tail) {
      if (skip-- > 0) {
        continue;
      }
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(kept);
    }
    return text.toString();
  }

  CompletableFuture<Void> drained() {
    return drained;
  }
}
