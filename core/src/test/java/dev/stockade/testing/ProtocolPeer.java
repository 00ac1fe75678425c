package dev.stockade.testing;

import static org.awaitility.Awaitility.await;

import dev.stockade.internal.os.ProcessInfo;
import dev.stockade.internal.os.ProcessTable;
import dev.stockade.internal.os.Signal;
import dev.stockade.internal.os.Signals;
import dev.stockade.internal.protocol.Frame;
import dev.stockade.internal.protocol.FrameReader;
import dev.stockade.internal.protocol.FrameType;
import dev.stockade.internal.protocol.FrameWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The supervisor's side of the worker protocol for one real worker process, for tests. The process
 * starts in a session of its own (a runtime ends its whole process group when its stdin ends, which
 * must never be the test JVM's group). Every frame the worker sends is recorded with the time it
 * came; stderr is captured whole. {@link #close()} ends every process of the session.
 */
public final class ProtocolPeer implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(5);

  /** A frame from the worker and when it was read ({@link System#nanoTime()}). */
  public record Received(Frame frame, long nanos) {}

  private final Process process;
  private final OutputStream stdin;
  private final FrameWriter writer;
  private final List<Received> received = new ArrayList<>(); // guarded by this
  private final StringBuilder stderr = new StringBuilder(); // guarded by itself
  private volatile Exception readFailure;
  private volatile boolean stdoutEnded;
  private int cursor; // guarded by this: index of the next frame awaitFrame() returns

  private ProtocolPeer(Process process, int maxFrameSize) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.writer = new FrameWriter(stdin);
    daemon("frames-" + process.pid(), () -> readFrames(process.getInputStream(), maxFrameSize));
    daemon("stderr-" + process.pid(), () -> readStderr(process.getErrorStream()));
  }

  /**
   * Starts {@code argv} in {@code directory} with the environment of this JVM plus {@code
   * environment}, behind {@code setsid(1)}: a JVM child is never a group leader, so setsid execs
   * the program in place and {@link #pid()} is the program's own pid.
   */
  public static ProtocolPeer start(
      List<String> argv, Path directory, Map<String, String> environment, int maxFrameSize)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(TestProcesses.requireProgram("setsid"));
    command.addAll(argv);
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    builder.environment().putAll(environment);
    return new ProtocolPeer(builder.start(), maxFrameSize);
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, "protocol-peer-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void readFrames(InputStream in, int maxFrameSize) {
    FrameReader reader = new FrameReader(in, maxFrameSize);
    try {
      for (Frame frame = reader.next(); frame != null; frame = reader.next()) {
        Received r = new Received(frame, System.nanoTime());
        synchronized (this) {
          received.add(r);
        }
      }
    } catch (Exception e) {
      readFailure = e;
    } finally {
      stdoutEnded = true;
    }
  }

  private void readStderr(InputStream in) {
    byte[] buffer = new byte[8192];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        String text = new String(buffer, 0, n, StandardCharsets.UTF_8);
        synchronized (stderr) {
          stderr.append(text);
        }
      }
    } catch (IOException e) {
      // the process is gone; what was read is kept
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the worker wrote to stderr so far. */
  public String stderr() {
    synchronized (stderr) {
      return stderr.toString();
    }
  }

  /** Why reading frames failed (a malformed or truncated frame), or null if it has not. */
  public Exception readFailure() {
    return readFailure;
  }

  public boolean stdoutEnded() {
    return stdoutEnded;
  }

  public void send(Frame frame) throws IOException {
    writer.write(frame);
  }

  public void send(FrameType type, long id) throws IOException {
    send(Frame.of(type, id));
  }

  public void send(FrameType type, long id, String text) throws IOException {
    send(Frame.text(type, id, text));
  }

  /** Writes bytes that need not be a frame. */
  public void sendRaw(byte[] bytes) throws IOException {
    stdin.write(bytes);
    stdin.flush();
  }

  public void closeStdin() throws IOException {
    stdin.close();
  }

  /** Every frame received so far, heartbeats included. */
  public synchronized List<Received> received() {
    return List.copyOf(received);
  }

  /** The times heartbeats were received after {@code sinceNanos}. */
  public List<Long> heartbeatsSince(long sinceNanos) {
    return received().stream()
        .filter(r -> r.frame().type() == FrameType.HEARTBEAT && r.nanos() > sinceNanos)
        .map(Received::nanos)
        .toList();
  }

  /** The next frame not yet returned, heartbeats included; fails after {@code within}. */
  public Frame awaitFrame(Duration within) {
    return await()
        .atMost(within)
        .pollInterval(POLL)
        .until(() -> poll(false), Optional::isPresent)
        .orElseThrow();
  }

  /** The next frame not yet returned that is not a HEARTBEAT; fails after {@code within}. */
  public Frame awaitReply(Duration within) {
    return await()
        .atMost(within)
        .pollInterval(POLL)
        .until(() -> poll(true), Optional::isPresent)
        .orElseThrow();
  }

  /** The frames after the last one {@link #awaitReply} or {@link #awaitFrame} returned. */
  public synchronized List<Frame> unread() {
    return received.subList(cursor, received.size()).stream().map(Received::frame).toList();
  }

  private synchronized Optional<Frame> poll(boolean skipHeartbeats) {
    while (cursor < received.size()) {
      Frame frame = received.get(cursor++).frame();
      if (!skipHeartbeats || frame.type() != FrameType.HEARTBEAT) {
        return Optional.of(frame);
      }
    }
    if (readFailure != null) { // no frame can come any more: say why instead of timing out
      throw new AssertionError("reading frames from worker " + pid() + " failed", readFailure);
    }
    return Optional.empty();
  }

  /** The exit code once the process has ended; fails after {@code within}. */
  public int awaitExit(Duration within) {
    await().atMost(within).pollInterval(POLL).until(() -> !process.isAlive());
    return process.exitValue();
  }

  /** Kills every process of the worker's session, the worker first. */
  @Override
  public void close() {
    process.destroyForcibly();
    for (ProcessInfo p : ProcessTable.scan().all()) {
      if (p.sid() == process.pid() && !p.isEnded()) {
        Signals.send(p.identity(), Signal.KILL);
      }
    }
    await().atMost(Duration.ofSeconds(5)).pollInterval(POLL).until(() -> !process.isAlive());
  }
}
