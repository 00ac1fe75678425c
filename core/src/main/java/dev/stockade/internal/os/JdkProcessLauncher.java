package dev.stockade.internal.os;

import dev.stockade.ExitStatus;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts processes through the JDK's {@link ProcessBuilder}. A new session comes from {@code
 * setsid(1)} in front of the program: a JVM child is never a process-group leader, so {@code
 * setsid} calls setsid(2) and execs the program in place, and the pid the JDK returns is the
 * program's own.
 *
 * <p>Output pipes are made here, not by the JDK, whose descriptors are hidden: the child's stdout
 * and stderr are redirected to {@code /proc/self/fd/W} of a pipe's write end (opening it gives the
 * JDK a descriptor of the same pipe), and the read end becomes an {@link OutputPipe}, whose inode
 * is known, so a process that still holds the pipe after its tree ended can be found.
 */
public final class JdkProcessLauncher implements ProcessLauncher {
  private static final Logger log = LoggerFactory.getLogger(JdkProcessLauncher.class);
  private static final String SETSID = findSetsid();

  /** The JDK reports a death by signal N as this plus N, as POSIX shells do. */
  private static final int SIGNAL_BASE = 128;

  private static final int MAX_SIGNAL = 64;

  private static String findSetsid() {
    for (String candidate : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  @Override
  public String name() {
    return SETSID == null ? "jdk" : "jdk+setsid";
  }

  @Override
  public SpawnedProcess launch(LaunchSpec spec, Executor waiter) throws IOException {
    // Behind setsid(1), a program that cannot be executed would show only as setsid's exit
    // code; check first, so both launchers fail the same way.
    if (!Files.isRegularFile(spec.program()) || !Files.isExecutable(spec.program())) {
      throw new IOException("cannot start " + spec.program() + ": not an executable file");
    }
    List<String> argv = new ArrayList<>();
    if (spec.newSession()) {
      if (SETSID != null) {
        argv.add(SETSID);
      } else {
        log.warn(
            "setsid not found in /usr/bin or /bin: the tree shares the JVM's session, and "
                + "its membership rests on the tree walk and the tag");
      }
    }
    argv.add(spec.program().toString());
    argv.addAll(spec.arguments().subList(1, spec.arguments().size()));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().clear();
    pb.environment().putAll(spec.environment());
    if (spec.directory() != null) {
      pb.directory(spec.directory().toFile());
    }
    if (!spec.pipeInput()) {
      pb.redirectInput(new File("/dev/null"));
    }
    List<OutputPipe> pipes;
    Process process;
    if (spec.captureOutput()) {
      int[] out = OutputPipe.newPipe();
      int[] err = null;
      try {
        err = OutputPipe.newPipe();
        pb.redirectOutput(new File("/proc/self/fd/" + out[1]));
        pb.redirectError(new File("/proc/self/fd/" + err[1]));
        process = pb.start();
        try {
          pipes = OutputPipe.adoptReadEnds(out, err);
        } catch (IOException | RuntimeException e) {
          process.destroyForcibly();
          throw e;
        }
      } finally {
        OutputPipe.closeDescriptor(out[0]);
        OutputPipe.closeDescriptor(out[1]);
        if (err != null) {
          OutputPipe.closeDescriptor(err[0]);
          OutputPipe.closeDescriptor(err[1]);
        }
      }
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      pipes = List.of();
      process = pb.start();
    }
    OrphanReaper.launched(process.pid());
    CompletableFuture<ExitStatus> exit =
        process
            .onExit()
            .thenApplyAsync(
                p -> {
                  OrphanReaper.waited(p.pid());
                  return exitStatusOf(p.exitValue());
                },
                waiter);
    return new SpawnedProcess() {
      @Override
      public long pid() {
        return process.pid();
      }

      @Override
      public OutputStream stdin() {
        return spec.pipeInput() ? process.getOutputStream() : OutputStream.nullOutputStream();
      }

      @Override
      public InputStream stdout() {
        return pipes.isEmpty() ? InputStream.nullInputStream() : pipes.get(0);
      }

      @Override
      public InputStream stderr() {
        return pipes.isEmpty() ? InputStream.nullInputStream() : pipes.get(1);
      }

      @Override
      public CompletableFuture<ExitStatus> exit() {
        return exit;
      }

      @Override
      public List<OutputPipe> outputPipes() {
        return pipes;
      }
    };
  }

  /**
   * The status from the value the JDK's {@link Process#exitValue()} returned: 129 to 192 are read
   * as signals, so a program's own exit code in that range is taken for one.
   */
  static ExitStatus exitStatusOf(int exitValue) {
    return exitValue > SIGNAL_BASE && exitValue <= SIGNAL_BASE + MAX_SIGNAL
        ? ExitStatus.killedBy(exitValue - SIGNAL_BASE)
        : ExitStatus.exited(exitValue);
  }
}
