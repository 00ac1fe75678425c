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
 * Starts processes through the JDK's {@link ProcessBuilder}. A new session comes from
 * {@code setsid(1)} in front of the program: a JVM child is never a process-group leader, so
 * {@code setsid} calls setsid(2) and execs the program in place, and the pid the JDK returns is
 * the program's own.
 */
public final class JdkProcessLauncher implements ProcessLauncher {
  private static final Logger log = LoggerFactory.getLogger(JdkProcessLauncher.class);
  private static final String SETSID = findSetsid();

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
        log.warn("setsid not found in /usr/bin or /bin: the tree shares the JVM's session, and "
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
    if (!spec.captureOutput()) {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process process = pb.start();
    CompletableFuture<ExitStatus> exit = process.onExit()
        .thenApplyAsync(p -> ExitStatus.fromJdkExitValue(p.exitValue()), waiter);
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
        return process.getInputStream();
      }

      @Override
      public InputStream stderr() {
        return process.getErrorStream();
      }

      @Override
      public CompletableFuture<ExitStatus> exit() {
        return exit;
      }
    };
  }
}
