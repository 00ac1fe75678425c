package dev.stockade;

import java.io.IOException;
import java.nio.file.Path;

/** Placeholder until the runtimes land. */
public final class WorkerRuntimes {
  private WorkerRuntimes() {}

  public static Path writePython(Path directory) throws IOException {
    throw new IOException("not yet");
  }

  public static Path writeNode(Path directory) throws IOException {
    throw new IOException("not yet");
  }
}
