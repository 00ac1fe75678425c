package dev.stockade.internal.runtime;

import dev.stockade.internal.protocol.BatchPayloads;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameReader;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.FrameWriter;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.protocol.ProtocolViolation;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The JVM runtime of the worker protocol. Two threads take turns reading requests (leader and
 * follower): the one that reads a TASK while the worker is idle runs it itself — no hand-off
 * between threads on the way from the pipe to the handler — and the other takes over reading, so a
 * CANCEL is seen while the task runs. Requests that come while a task runs (a PING, a SHUTDOWN, a
 * TASK sent early) wait and are served in order by the thread that ran it. A daemon thread sends
 * heartbeats. A BATCH is a task whose inputs are split (and checked) as it is read, and run by a
 * {@link BatchRunner}.
 *
 * <p>Waking the other thread for every task would cost a context switch per task, most of them
 * futile: a short task ends, and its thread reads again, before the woken one gets a processor — on
 * a small machine that switch competes with the supervisor for the same cores. So while tasks keep
 * coming (one started within the last {@value #WATCH_WINDOW_MS} ms), the waiting thread watches
 * instead, waking every {@value #WATCH_INTERVAL_MICROS} µs to take over reading from a thread that
 * is serving; only a thread that waits without a bound is woken. A CANCEL or PING thus reaches a
 * running task within about a watch interval, a busy worker's waiting thread wakes at most a
 * thousand times a second whatever the task rate, and an idle worker's not at all.
 *
 * <p>Every frame fits the supervisor's {@code maxFrameSize} ({@link BoundedPayloads}), and a task's
 * frames are checked and written under the writer's lock together with its answer, so that no
 * PROGRESS can follow the answer, whatever thread the handler left behind sends it.
 */
public final class JvmWorkerLoop {
  private static final int DEFAULT_HEARTBEAT_MS = 1000;
  private static final int DEFAULT_MAX_FRAME_SIZE = 16 << 20;

  /** How long a worker told to shut down may still take once its stdin has ended. */
  private static final long EXIT_AFTER_SHUTDOWN_SECONDS = 2;

  /** How often a watching thread looks whether a serving thread left the reading to it. */
  static final long WATCH_INTERVAL_MICROS = 1000;

  /** How long after the last task started a waiting thread keeps watching. */
  static final long WATCH_WINDOW_MS = 100;

  private final Handler handler;
  private final FrameWriter writer;
  private final int maxFrameSize =
      intFromEnvironment("STOCKADE_MAX_FRAME_SIZE", DEFAULT_MAX_FRAME_SIZE);
  private final FrameReader reader;

  /** Guards every field below. */
  private final Object lock = new Object();

  /** A thread holds the reading role. */
  private boolean reading;

  /** A thread is serving requests: a task, or what queued behind it. */
  private boolean busy;

  /** A thread waits for the reading role without a bound: only a notify brings it back. */
  private boolean sleeperWaiting;

  /** When the last task was taken to be served, by {@link System#nanoTime()}. */
  private long lastTaskStartNanos =
      System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(WATCH_WINDOW_MS);

  private final ArrayDeque<Request> pending = new ArrayDeque<>();

  /** Tasks waiting in {@link #pending} whose CANCEL came first: answered without running. */
  private final Set<Long> cancelledBeforeStart = new HashSet<>();

  private long runningTask;
  private Thread taskThread;
  private volatile boolean cancelled;

  /**
   * Set when SHUTDOWN is read, under the writer's lock: from then on only the running task's answer
   * goes out.
   */
  private volatile boolean shuttingDown;

  public JvmWorkerLoop(ProtocolStreams streams, Handler handler) {
    this.handler = handler;
    this.writer = new FrameWriter(streams.replies());
    this.reader = new FrameReader(streams.requests(), maxFrameSize);
  }

  /** Serves until SHUTDOWN or the end of the requests; never returns normally. */
  public void run() {
    send(
        Frame.of(
            FrameType.HELLO,
            0,
            Payloads.hello(
                Payloads.PROTOCOL_VERSION,
                ProcessHandle.current().pid(),
                "jvm " + Runtime.version())));
    int heartbeatMs = intFromEnvironment("STOCKADE_HEARTBEAT_MS", DEFAULT_HEARTBEAT_MS);
    daemon("stockade-heartbeat", () -> heartbeats(heartbeatMs));
    daemon("stockade-requests", this::takeTurns);
    takeTurns();
  }

  private void heartbeats(int intervalMs) {
    Frame heartbeat = Frame.of(FrameType.HEARTBEAT, 0);
    while (true) {
      try {
        TimeUnit.MILLISECONDS.sleep(intervalMs);
      } catch (InterruptedException e) {
        return;
      }
      // Checked under the writer's lock, which SHUTDOWN is recorded under too: no heartbeat
      // can follow the last answer.
      synchronized (writer) {
        if (shuttingDown) {
          return;
        }
        send(heartbeat);
      }
    }
  }

  /** One of the two request threads: read when it is this thread's turn, serve what it read. */
  private void takeTurns() {
    while (true) {
      synchronized (lock) {
        while (reading) {
          waitForTurn();
        }
        reading = true;
      }
      Request request = next();
      Request serveNow = null;
      synchronized (lock) {
        reading = false;
        if (request != null) {
          serveNow = accept(request);
        }
        // The other thread must read while this one serves (or ends): wake it if it would not
        // look by itself. A request handled here (a CANCEL, one queued) leaves this thread
        // reading on, and wakes nobody.
        if ((request == null || serveNow != null) && sleeperWaiting) {
          lock.notifyAll();
        }
      }
      if (request == null) {
        endOfRequests();
      } else if (serveNow != null) {
        serve(serveNow);
      }
    }
  }

  /**
   * Under the lock, while another thread holds the reading role: waits until it may be free. While
   * tasks keep coming it watches (a bounded wait), so the thread that takes a task to serve need
   * not wake it; otherwise it sleeps until notified.
   */
  private void waitForTurn() {
    try {
      long sinceTask = System.nanoTime() - lastTaskStartNanos;
      if (sinceTask < TimeUnit.MILLISECONDS.toNanos(WATCH_WINDOW_MS)) {
        TimeUnit.MICROSECONDS.timedWait(lock, WATCH_INTERVAL_MICROS);
      } else {
        sleeperWaiting = true;
        try {
          lock.wait();
        } finally {
          sleeperWaiting = false;
        }
      }
    } catch (InterruptedException e) {
      Thread.interrupted(); // a cancel that came after its task ended: not ours
    }
  }

  /** A request read, with a batch's inputs. */
  private record Request(Frame frame, List<byte[]> inputs) {
    FrameType type() {
      return frame.type();
    }

    long id() {
      return frame.id();
    }
  }

  /** The next request; null at the end of the stream. A malformed one ends the worker. */
  private Request next() {
    try {
      Frame frame = reader.next();
      if (frame == null) {
        return null;
      }
      check(frame);
      return new Request(
          frame,
          frame.type() == FrameType.BATCH ? BatchPayloads.inputs(frame.payload()) : List.of());
    } catch (ProtocolViolation e) {
      System.err.println(
          "stockade worker: malformed request from the supervisor: " + e.getMessage());
      System.err.flush();
      ProtocolStreams.killProcessGroup();
      return null;
    } catch (IOException e) {
      return null; // the pipe is unusable: the same as its end
    }
  }

  private static void check(Frame frame) throws ProtocolViolation {
    switch (frame.type()) {
      case TASK, BATCH, PING -> {
        if (frame.id() == 0) {
          throw new ProtocolViolation("a " + frame.type() + " frame with id 0");
        }
      }
      case CANCEL, SHUTDOWN -> {}
      default ->
          throw new ProtocolViolation("a " + frame.type() + " frame, which only a worker sends");
    }
  }

  /** Under the lock: what to serve now on this thread, or null (queued or handled). */
  private Request accept(Request request) {
    if (request.type() == FrameType.CANCEL) {
      cancelLocked(request.id());
      return null;
    }
    if (request.type() == FrameType.SHUTDOWN) {
      synchronized (writer) {
        shuttingDown = true;
      }
    }
    if (busy) {
      pending.add(request);
      return null;
    }
    busy = true;
    startLocked(request);
    return request;
  }

  /**
   * Under the lock, as {@code request} is taken to be served: a TASK counts as running from here,
   * so a CANCEL read by the other thread before the handler is called still reaches it.
   */
  private void startLocked(Request request) {
    if (isTask(request.type())) {
      lastTaskStartNanos = System.nanoTime();
      runningTask = request.id();
      taskThread = Thread.currentThread();
      cancelled = cancelledBeforeStart.remove(request.id());
    }
  }

  /** Serves {@code first}, then whatever queued behind it, in order, on this thread. */
  private void serve(Request first) {
    Request request = first;
    while (request != null) {
      switch (request.type()) {
        case TASK -> runTask(request.frame());
        case BATCH -> runBatch(request);
        case PING -> send(Frame.of(FrameType.PONG, request.id()));
        case SHUTDOWN -> {
          System.out.flush();
          System.exit(0);
        }
        default -> throw new IllegalStateException("not served: " + request);
      }
      synchronized (lock) {
        request = pending.poll();
        if (request == null) {
          busy = false;
        } else {
          startLocked(request);
        }
      }
    }
  }

  private void endOfRequests() {
    if (!shuttingDown) {
      ProtocolStreams.killProcessGroup(); // the supervisor is gone: so is everything of ours
    }
    // Asked to shut down: the running task may still be answered, for a bounded time.
    try {
      TimeUnit.SECONDS.sleep(EXIT_AFTER_SHUTDOWN_SECONDS);
    } catch (InterruptedException ignored) {
      // ending anyway
    }
    ProtocolStreams.killProcessGroup();
  }

  private void cancelLocked(long taskId) {
    if (taskId == 0) {
      return;
    }
    if (runningTask == taskId) {
      cancelled = true;
      taskThread.interrupt();
      return;
    }
    for (Request waiting : pending) {
      if (isTask(waiting.type()) && waiting.id() == taskId) {
        cancelledBeforeStart.add(taskId);
      }
    }
  }

  /** Runs a task taken by {@link #startLocked} on this thread, and answers it. */
  private void runTask(Frame task) {
    long id = task.id();
    Context context = new Context(id);
    Frame answer;
    try {
      if (cancelled) {
        throw new InterruptedException("cancelled before it started");
      }
      byte[] result = handler.handle(task.payload(), context);
      answer = result == null ? Frame.of(FrameType.RESULT, id) : resultFrame(id, result);
    } catch (Throwable t) {
      answer =
          cancelled
              ? errorFrame(id, "Cancelled", "task " + id + " was cancelled", t)
              : errorFrame(id, t.getClass().getName(), String.valueOf(t.getMessage()), t);
    } finally {
      synchronized (lock) {
        runningTask = 0;
        Thread.interrupted(); // a cancel must not reach what this thread does next
      }
    }
    synchronized (writer) {
      context.open = false;
      send(answer);
    }
  }

  private static boolean isTask(FrameType type) {
    return type == FrameType.TASK || type == FrameType.BATCH;
  }

  /** Runs a batch taken by {@link #startLocked} on this thread; its runner answers it. */
  private void runBatch(Request batch) {
    long id = batch.id();
    Context context = new Context(id);
    try {
      new BatchRunner(
              handler,
              context,
              () -> cancelled,
              maxFrameSize,
              (type, payload, last) -> {
                synchronized (writer) {
                  if (last) {
                    context.open = false;
                  }
                  send(Frame.of(type, id, payload));
                }
              })
          .run(batch.inputs());
    } finally {
      synchronized (lock) {
        runningTask = 0;
        Thread.interrupted(); // a cancel must not reach what this thread does next
      }
    }
  }

  private Frame resultFrame(long id, byte[] result) {
    if (result.length > maxFrameSize) {
      return Frame.of(
          FrameType.ERROR, id, BoundedPayloads.resultTooLarge(result.length, maxFrameSize));
    }
    return Frame.of(FrameType.RESULT, id, result);
  }

  private Frame errorFrame(long id, String type, String message, Throwable t) {
    return Frame.of(
        FrameType.ERROR,
        id,
        BoundedPayloads.error(type, message, BoundedPayloads.trace(t, maxFrameSize), maxFrameSize));
  }

  private void send(Frame frame) {
    try {
      writer.write(frame);
    } catch (IOException e) {
      // The supervisor is gone: nobody will read a result, and nothing may outlive it.
      ProtocolStreams.killProcessGroup();
    }
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** A positive integer from the environment, as every runtime reads it; exit 2 if not. */
  private static int intFromEnvironment(String name, int fallback) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    int parsed = 0;
    try {
      parsed = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      // reported below
    }
    if (parsed <= 0) {
      System.err.println(
          "stockade worker: " + name + " must be a positive integer, but was '" + value + "'");
      System.err.flush();
      System.exit(2);
    }
    return parsed;
  }

  private final class Context implements TaskContext {
    private final long id;

    /** Guarded by the writer: false once the task's answer is out. */
    private boolean open = true;

    Context(long id) {
      this.id = id;
    }

    @Override
    public long taskId() {
      return id;
    }

    @Override
    public boolean progress(String note) {
      byte[] payload = BoundedPayloads.progress(note == null ? "" : note, maxFrameSize);
      synchronized (writer) {
        if (!open || shuttingDown) {
          return false;
        }
        send(Frame.of(FrameType.PROGRESS, id, payload));
        return true;
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }
}
