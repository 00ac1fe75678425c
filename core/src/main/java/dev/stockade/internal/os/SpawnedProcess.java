package dev.stockade.internal.os;

import dev.stockade.ExitStatus;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The root process of a tree, however it was started. */
public interface SpawnedProcess {
  long pid();

  /** Its standard input; discards everything when input is not piped. */
  OutputStream stdin();

  /** Its standard output; empty when output is not captured. */
  InputStream stdout();

  /** Its standard error; empty when output is not captured. */
  InputStream stderr();

  /** Completes, once the process has exited and been reaped, with how it ended. */
  CompletableFuture<ExitStatus> exit();

  /** The read ends of its stdout and stderr pipes; empty when output is not captured. */
  List<OutputPipe> outputPipes();
}
