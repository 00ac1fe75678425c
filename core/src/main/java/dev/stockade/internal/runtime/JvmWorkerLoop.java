package dev.stockade.internal.runtime;

import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameReader;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.FrameWriter;
import dev.stockade.internal.protocol.Payloads;
import dev.stockade.internal.protocol.ProtocolViolation;
import dev.stockade.worker.Handler;
import dev.stockade.worker.TaskContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JVM runtime of the worker protocol: a reader thread that takes requests off the pipe, a
 * daemon thread that sends heartbeats, and the main thread that runs tasks, answers pings and
 * obeys SHUTDOWN — in the order the requests came.
 */
public final class JvmWorkerLoop {
  private static final int DEFAULT_HEARTBEAT_MS = 1000;
  private static final int DEFAULT_MAX_FRAME_SIZE = 16 << 20;
  /** Put on the work queue when the supervisor's pipe ended. */
  private static final Frame END = Frame.of(FrameType.SHUTDOWN, -1);

  private final ProtocolStreams streams;
  private final Handler handler;
  private final FrameWriter writer;
  private final BlockingQueue<Frame> work = new LinkedBlockingQueue<>();
  private final Object taskLock = new Object();
  private final int maxFrameSize = intFromEnvironment("STOCKADE_MAX_FRAME_SIZE",
      DEFAULT_MAX_FRAME_SIZE);
  /** Tasks read but not yet started whose CANCEL came first: answered without running. */
  private final java.util.Set<Long> cancelledBeforeStart =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.Set<Long> queuedTasks =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Set when SHUTDOWN is read: from then on only the running task's answer goes out. */
  private volatile boolean shuttingDown;
  private Thread taskThread;
  private long runningTask;
  private volatile boolean cancelled;

  public JvmWorkerLoop(ProtocolStreams streams, Handler handler) {
    this.streams = streams;
    this.handler = handler;
    this.writer = new FrameWriter(streams.replies());
  }

  public void run() {
    taskThread = Thread.currentThread();
    send(Frame.of(FrameType.HELLO, 0, Payloads.hello(Payloads.PROTOCOL_VERSION,
        ProcessHandle.current().pid(), "jvm " + Runtime.version())));
    int heartbeatMs = intFromEnvironment("STOCKADE_HEARTBEAT_MS", DEFAULT_HEARTBEAT_MS);
    daemon("stockade-heartbeat", () -> heartbeats(heartbeatMs));
    daemon("stockade-requests", this::readRequests);
    while (true) {
      Frame request;
      try {
        request = work.take();
      } catch (InterruptedException e) {
        continue; // a cancel that arrived after its task ended
      }
      if (request == END) {
        ProtocolStreams.killProcessGroup();
      }
      switch (request.type()) {
        case TASK -> runTask(request);
        case PING -> send(Frame.of(FrameType.PONG, request.id()));
        case SHUTDOWN -> {
          System.out.flush();
          System.exit(0);
        }
        default -> throw new IllegalStateException("not queued: " + request);
      }
    }
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

  private void readRequests() {
    FrameReader reader = new FrameReader(streams.requests(), maxFrameSize);
    try {
      Frame frame;
      while ((frame = reader.next()) != null) {
        switch (frame.type()) {
          case TASK, PING -> {
            if (frame.id() == 0) {
              throw new ProtocolViolation("a " + frame.type() + " frame with id 0");
            }
            if (frame.type() == FrameType.TASK) {
              queuedTasks.add(frame.id());
            }
            work.add(frame);
          }
          case SHUTDOWN -> {
            synchronized (writer) {
              shuttingDown = true;
            }
            work.add(frame);
          }
          case CANCEL -> cancel(frame.id());
          default -> throw new ProtocolViolation("a " + frame.type()
              + " frame, which only a worker sends");
        }
      }
    } catch (ProtocolViolation e) {
      System.err.println("stockade worker: malformed request from the supervisor: "
          + e.getMessage());
      System.err.flush();
      ProtocolStreams.killProcessGroup();
    } catch (IOException e) {
      // the pipe is unusable: the same as its end
    }
    if (!shuttingDown) {
      ProtocolStreams.killProcessGroup(); // the supervisor is gone: so is everything of ours
    }
    // Asked to shut down: the current task may still be answered, for a bounded time.
    work.add(END);
    try {
      TimeUnit.SECONDS.sleep(2);
    } catch (InterruptedException ignored) {
      // ending anyway
    }
    ProtocolStreams.killProcessGroup();
  }

  private void cancel(long taskId) {
    synchronized (taskLock) {
      if (taskId == 0) {
        return;
      }
      if (runningTask == taskId) {
        cancelled = true;
        taskThread.interrupt();
      } else if (queuedTasks.contains(taskId)) {
        cancelledBeforeStart.add(taskId);
      }
    }
  }

  private void runTask(Frame task) {
    long id = task.id();
    synchronized (taskLock) {
      queuedTasks.remove(id);
      if (cancelledBeforeStart.remove(id)) {
        send(errorFrame(id, "Cancelled", "task " + id + " was cancelled before it started",
            null));
        return;
      }
      runningTask = id;
      cancelled = false;
    }
    Frame answer;
    try {
      byte[] result = handler.handle(task.payload(), new Context(id));
      answer = result == null ? Frame.of(FrameType.RESULT, id) : resultFrame(id, result);
    } catch (Throwable t) {
      answer = cancelled
          ? errorFrame(id, "Cancelled", "task " + id + " was cancelled", t)
          : errorFrame(id, t.getClass().getName(), String.valueOf(t.getMessage()), t);
    } finally {
      synchronized (taskLock) {
        runningTask = 0;
        Thread.interrupted(); // a cancel must not reach the next task
      }
    }
    send(answer);
  }

  private Frame resultFrame(long id, byte[] result) {
    if (result.length > maxFrameSize) {
      return errorFrame(id, "ResultTooLarge", "the result has " + result.length
          + " bytes, over the pool's maxFrameSize of " + maxFrameSize + " bytes", null);
    }
    return Frame.of(FrameType.RESULT, id, result);
  }

  private static Frame errorFrame(long id, String type, String message, Throwable t) {
    String trace = "";
    if (t != null) {
      StringWriter text = new StringWriter();
      t.printStackTrace(new PrintWriter(text));
      trace = text.toString();
    }
    return Frame.of(FrameType.ERROR, id, Payloads.error(type, message, trace));
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

  private static int intFromEnvironment(String name, int fallback) {
    String value = System.getenv(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      System.err.println("stockade worker: " + name + " must be an integer, but was '" + value
          + "'; using " + fallback);
      return fallback;
    }
  }

  private final class Context implements TaskContext {
    private final long id;

    Context(long id) {
      this.id = id;
    }

    @Override
    public long taskId() {
      return id;
    }

    @Override
    public void progress(String note) {
      send(Frame.text(FrameType.PROGRESS, id, note == null ? "" : note));
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }
}
