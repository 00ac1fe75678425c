package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.WorkerPool;
import dev.stockade.internal.os.TempDirectories;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JVM for a test to SIGKILL while it holds a Python worker pool, so the pool's runtime directory
 * is left behind.
 *
 * <p>{@code WorkerRuntimeHolder POOL SCRIPT}: builds pool {@code POOL} of Python workers running
 * {@code SCRIPT}, prints {@code RUNTIME <directory>} for each runtime directory of this JVM's pools
 * of that name, then {@code READY}, and waits to be killed.
 */
public final class WorkerRuntimeHolder {
  private WorkerRuntimeHolder() {}

  public static void main(String[] args) throws Exception {
    WorkerPool.builder(Codec.utf8(), Codec.utf8())
        .name(args[0])
        .pythonWorker(Path.of(args[1]))
        .workers(1)
        .shutdownHook(false)
        .build();
    try (DirectoryStream<Path> tmp =
        Files.newDirectoryStream(
            Path.of(System.getProperty("java.io.tmpdir")),
            TempDirectories.prefixFor(args[0])
                + ProcessHandle.current().pid()
                + "-"
                + TempDirectories.RUNTIME
                + "-*")) {
      for (Path dir : tmp) {
        System.out.println("RUNTIME " + dir);
      }
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(600_000);
  }
}
