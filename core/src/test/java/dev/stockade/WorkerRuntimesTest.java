package dev.stockade;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtimes are written whole, into a directory made on demand, over an older copy. */
class WorkerRuntimesTest {
  @TempDir Path dir;

  @Test
  void writesBothRuntimesIntoANewDirectory() throws Exception {
    Path target = dir.resolve("a/b");

    Path python = WorkerRuntimes.writePython(target);
    Path node = WorkerRuntimes.writeNode(target);

    assertThat(python).isEqualTo(target.resolve(WorkerRuntimes.PYTHON_FILE));
    assertThat(node).isEqualTo(target.resolve(WorkerRuntimes.NODE_FILE));
    assertThat(Files.readString(python)).contains("def run(handler)");
    assertThat(Files.readString(node)).contains("function run(handler)");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(python)))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void replacesAnOlderCopyAndLeavesNoTemporaryFile() throws Exception {
    Files.writeString(dir.resolve(WorkerRuntimes.PYTHON_FILE), "an older runtime");

    Path python = WorkerRuntimes.writePython(dir);

    assertThat(Files.readString(python)).contains("def run(handler)");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(python);
    }
  }
}
