package dev.stockade.examples;

import dev.stockade.testing.TestProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Installs a Node example's packages from its committed {@code package-lock.json}, so the tests
 * need no step of their own before {@code mvn verify}.
 */
final class NodeModules {
  private static final long NPM_MINUTES = 5;

  private NodeModules() {}

  /**
   * Runs {@code npm ci --no-audit --no-fund} in {@code directory} unless its {@code node_modules}
   * already holds {@code module} installed from the current lockfile. Skips the test when npm is
   * missing (fails under {@code CI=true}, like every required program).
   */
  static synchronized void ensureInstalled(Path directory, String module)
      throws IOException, InterruptedException {
    String npm = TestProcesses.requireProgram("npm");
    if (isInstalled(directory, module)) {
      return;
    }
    Process process =
        new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund")
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return "(output unreadable: " + e.getMessage() + ")";
              }
            });
    if (!process.waitFor(NPM_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(
          "npm ci in "
              + directory
              + " took over "
              + NPM_MINUTES
              + " minutes: "
              + output.getNow(""));
    }
    String printed = output.join();
    if (process.exitValue() != 0 || !isInstalled(directory, module)) {
      throw new AssertionError(
          "npm ci in " + directory + " failed (exit " + process.exitValue() + "):\n" + printed);
    }
  }

  /**
   * True when {@code module} is there and npm's record of the install is not older than the
   * lockfile (a changed lockfile means a new install).
   */
  private static boolean isInstalled(Path directory, String module) throws IOException {
    Path installed = directory.resolve("node_modules").resolve(".package-lock.json");
    return Files.isRegularFile(
            directory.resolve("node_modules").resolve(module).resolve("package.json"))
        && Files.isRegularFile(installed)
        && Files.getLastModifiedTime(installed)
                .compareTo(Files.getLastModifiedTime(directory.resolve("package-lock.json")))
            >= 0;
  }
}
