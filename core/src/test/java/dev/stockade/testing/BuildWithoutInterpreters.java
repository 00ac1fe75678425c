package dev.stockade.testing;

import dev.stockade.Codec;
import dev.stockade.WorkerPool;
import dev.stockade.internal.os.TempDirectories;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds a Python and a Node worker pool in a JVM started with a {@code PATH} that holds neither
 * interpreter, and prints what each {@code build()} said ({@code refused: MESSAGE}), then how many
 * runtime directories of those pools were left behind.
 *
 * <p>{@code BuildWithoutInterpreters PYTHON_SCRIPT NODE_SCRIPT}
 */
public final class BuildWithoutInterpreters {
  private BuildWithoutInterpreters() {}

  public static void main(String[] args) throws IOException {
    String name = "no-interp-" + ProcessHandle.current().pid();
    try {
      WorkerPool.builder(Codec.utf8(), Codec.utf8())
          .name(name)
          .shutdownHook(false)
          .pythonWorker(Path.of(args[0]))
          .build()
          .close();
      System.out.println("built: pythonWorker");
    } catch (IllegalArgumentException e) {
      System.out.println("refused: " + e.getMessage());
    }
    try {
      WorkerPool.builder(Codec.utf8(), Codec.utf8())
          .name(name)
          .shutdownHook(false)
          .nodeWorker(Path.of(args[1]))
          .build()
          .close();
      System.out.println("built: nodeWorker");
    } catch (IllegalArgumentException e) {
      System.out.println("refused: " + e.getMessage());
    }
    int left = 0;
    try (DirectoryStream<Path> tmp =
        Files.newDirectoryStream(
            Path.of(System.getProperty("java.io.tmpdir")),
            TempDirectories.prefixFor(name) + ProcessHandle.current().pid() + "-runtime-*")) {
      for (Path ignored : tmp) {
        left++;
      }
    }
    System.out.println("runtime directories left: " + left);
  }
}
