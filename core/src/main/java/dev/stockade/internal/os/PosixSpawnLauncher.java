package dev.stockade.internal.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import dev.stockade.ExitStatus;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts processes with glibc's {@code posix_spawn}, which forks with {@code CLONE_VFORK} and can
 * call setsid(2) in the child ({@code POSIX_SPAWN_SETSID}): a new session without a {@code
 * setsid(1)} exec in front of every task, and without the JDK's {@code jspawnhelper} exec either.
 * The exit status is read with {@code waitpid}, so a death by signal is told apart from an exit
 * code.
 *
 * <p>In the child: stdin is a pipe or {@code /dev/null}; stdout and stderr are pipes (or {@code
 * /dev/null}); every other descriptor is closed; the signal mask is empty and every signal has its
 * default disposition. The parent's read ends of the output pipes become {@link OutputPipe}s.
 *
 * <p>Needs glibc 2.34 or later ({@code posix_spawn_file_actions_addclosefrom_np}); elsewhere {@link
 * ProcessLauncher#detect} falls back to the JDK. The system property {@code
 * dev.stockade.launcher=jdk} forces the fallback.
 */
public final class PosixSpawnLauncher implements ProcessLauncher {
  private static final Logger log = LoggerFactory.getLogger(PosixSpawnLauncher.class);

  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int EINTR = 4;
  // Opaque glibc structures, allocated generously (x86-64 sizes: 80, 336 and 128 bytes).
  private static final int FILE_ACTIONS_SIZE = 512;
  private static final int ATTR_SIZE = 1024;
  private static final int SIGSET_SIZE = 256;

  interface CLibrary extends Library {
    int close(int fd);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

    int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer set);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);

    int posix_spawn(
        IntByReference pid,
        String path,
        Pointer actions,
        Pointer attr,
        StringArray argv,
        StringArray envp);

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

    String strerror(int errno);
  }

  private static final CLibrary C = load();

  private static final SpawnScope NO_SCOPE = () -> () -> {};

  private static CLibrary load() {
    if (!Platform.isLinux() || "jdk".equals(System.getProperty("dev.stockade.launcher"))) {
      return null;
    }
    try {
      NativeLibrary libc = NativeLibrary.getInstance("c");
      libc.getFunction("posix_spawn_file_actions_addclosefrom_np");
      libc.getFunction("posix_spawn_file_actions_addchdir_np");
      return Native.load(
          "c",
          CLibrary.class,
          Map.of(Library.OPTION_STRING_ENCODING, StandardCharsets.UTF_8.name()));
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      log.info(
          "posix_spawn with closefrom/chdir unavailable ({}); starting processes through "
              + "the JDK",
          e.toString());
      return null;
    }
  }

  static boolean isAvailable() {
    return C != null;
  }

  @Override
  public String name() {
    return "posix_spawn";
  }

  @Override
  public SpawnedProcess launch(LaunchSpec spec, Executor waiter) throws IOException {
    return launch(spec, waiter, NO_SCOPE);
  }

  @Override
  public boolean supportsSpawnScope() {
    return true;
  }

  @Override
  public SpawnedProcess launch(LaunchSpec spec, Executor waiter, SpawnScope scope)
      throws IOException {
    int[] in = spec.pipeInput() ? OutputPipe.newPipe() : null;
    int[] out = null;
    int[] err = null;
    try {
      out = spec.captureOutput() ? OutputPipe.newPipe() : null;
      err = spec.captureOutput() ? OutputPipe.newPipe() : null;
      int pid = spawn(spec, in, out, err, scope);
      OrphanReaper.launched(pid);
      OutputStream stdin =
          in == null
              ? OutputStream.nullOutputStream()
              : new FileOutputStream("/proc/self/fd/" + in[1]);
      List<OutputPipe> pipes = out == null ? List.of() : OutputPipe.adoptReadEnds(out, err);
      InputStream stdout = pipes.isEmpty() ? InputStream.nullInputStream() : pipes.get(0);
      InputStream stderr = pipes.isEmpty() ? InputStream.nullInputStream() : pipes.get(1);
      CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
      waiter.execute(() -> exit.complete(waitFor(pid)));
      return new SpawnedProcess() {
        @Override
        public long pid() {
          return pid;
        }

        @Override
        public OutputStream stdin() {
          return stdin;
        }

        @Override
        public InputStream stdout() {
          return stdout;
        }

        @Override
        public InputStream stderr() {
          return stderr;
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
    } finally {
      closeAll(in);
      closeAll(out);
      closeAll(err);
    }
  }

  private static int spawn(LaunchSpec spec, int[] in, int[] out, int[] err, SpawnScope scope)
      throws IOException {
    Memory actions = new Memory(FILE_ACTIONS_SIZE);
    Memory attr = new Memory(ATTR_SIZE);
    Memory empty = new Memory(SIGSET_SIZE);
    Memory all = new Memory(SIGSET_SIZE);
    check(C.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
    try {
      check(C.posix_spawnattr_init(attr), "posix_spawnattr_init");
      try {
        if (in != null) {
          check(C.posix_spawn_file_actions_adddup2(actions, in[0], 0), "adddup2");
        } else {
          check(
              C.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "addopen");
        }
        if (out != null) {
          check(C.posix_spawn_file_actions_adddup2(actions, out[1], 1), "adddup2");
          check(C.posix_spawn_file_actions_adddup2(actions, err[1], 2), "adddup2");
        } else {
          check(
              C.posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_WRONLY, 0), "addopen");
          check(
              C.posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_WRONLY, 0), "addopen");
        }
        if (spec.directory() != null) {
          check(
              C.posix_spawn_file_actions_addchdir_np(actions, spec.directory().toString()),
              "addchdir_np");
        }
        check(C.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom_np");
        C.sigemptyset(empty);
        C.sigfillset(all);
        short flags =
            (short)
                (POSIX_SPAWN_SETSIGMASK
                    | POSIX_SPAWN_SETSIGDEF
                    | (spec.newSession() ? POSIX_SPAWN_SETSID : 0));
        check(C.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags");
        check(C.posix_spawnattr_setsigmask(attr, empty), "posix_spawnattr_setsigmask");
        check(C.posix_spawnattr_setsigdefault(attr, all), "posix_spawnattr_setsigdefault");

        String[] env = new String[spec.environment().size()];
        int i = 0;
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
          env[i++] = e.getKey() + "=" + e.getValue();
        }
        IntByReference pid = new IntByReference();
        String utf8 = StandardCharsets.UTF_8.name();
        String program = spec.program().toString();
        StringArray argv = new StringArray(spec.arguments().toArray(new String[0]), utf8);
        StringArray envp = new StringArray(env, utf8);
        int rc;
        // Everything is allocated before: inside the scope only the spawn runs.
        try (SpawnScope.Entered entered = scope.enter()) {
          rc = C.posix_spawn(pid, program, actions, attr, argv, envp);
        }
        if (rc != 0) {
          throw new IOException(
              "cannot start " + spec.program() + ": " + C.strerror(rc) + " (errno " + rc + ")");
        }
        return pid.getValue();
      } finally {
        C.posix_spawnattr_destroy(attr);
      }
    } finally {
      C.posix_spawn_file_actions_destroy(actions);
    }
  }

  private static void check(int rc, String call) throws IOException {
    if (rc != 0) {
      throw new IOException(call + " failed: " + C.strerror(rc) + " (errno " + rc + ")");
    }
  }

  private static void closeAll(int[] fds) {
    if (fds != null) {
      OutputPipe.closeDescriptor(fds[0]);
      OutputPipe.closeDescriptor(fds[1]);
    }
  }

  private static ExitStatus waitFor(int pid) {
    IntByReference status = new IntByReference();
    while (true) {
      try {
        C.waitpid(pid, status, 0);
        break;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != EINTR) {
          log.error("waitpid({}) failed: errno {}", pid, e.getErrorCode());
          OrphanReaper.waited(pid);
          return ExitStatus.exited(-1);
        }
      }
    }
    OrphanReaper.waited(pid);
    int s = status.getValue();
    int termSignal = s & 0x7f;
    return termSignal == 0 ? ExitStatus.exited((s >> 8) & 0xff) : ExitStatus.killedBy(termSignal);
  }
}
