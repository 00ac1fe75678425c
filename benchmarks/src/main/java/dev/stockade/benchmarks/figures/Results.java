package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The runs under {@code benchmarks/results/}: one directory per run of {@code benchmarks/run-all},
 * named {@code <date>-<short commit>}, holding {@code run.json} and one file per benchmark. A
 * figure comes from the newest run that holds its file, so a step that failed in the newest run is
 * taken from the run before, and the figure names that run's file.
 */
final class Results {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One run's directory; {@code info} is its run.json, or a missing node if it has none. */
  record Run(Path dir, JsonNode info) {
    String name() {
      return dir.getFileName().toString();
    }

    /** When it started: run.json's {@code started}, or else the date its name begins with. */
    String started() {
      JsonNode started = info.path("started");
      return started.isTextual() ? started.asText() : name().substring(0, 10) + "T00:00:00Z";
    }
  }

  /** One results file of one run. */
  record Source(Run run, String file) {
    Path path() {
      return run.dir().resolve(file);
    }

    JsonNode json() {
      try {
        return JSON.readTree(path().toFile());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + path(), e);
      }
    }

    String text() {
      try {
        return Files.readString(path());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + path(), e);
      }
    }
  }

  private final Path repository;
  private final Path root;
  private final List<Run> runs;

  private Results(Path repository, Path root, List<Run> runs) {
    this.repository = repository;
    this.root = root;
    this.runs = runs;
  }

  /** The runs under {@code root} (a directory of {@code repository}), oldest first. */
  static Results load(Path repository, Path root) {
    List<Run> runs = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path dir : dirs.filter(Files::isDirectory).toList()) {
          if (!dir.getFileName().toString().matches("\\d{4}-\\d{2}-\\d{2}-.+")) {
            continue;
          }
          Path info = dir.resolve(RunInfo.FILE);
          runs.add(
              new Run(
                  dir,
                  Files.exists(info) ? JSON.readTree(info.toFile()) : MissingNode.getInstance()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + root, e);
      }
    }
    runs.sort(Comparator.comparing(Run::started).thenComparing(Run::name));
    return new Results(repository, root, runs);
  }

  /**
   * The newest run holding {@code file} from a step that succeeded: the output of a step that
   * failed (a build error in place of the demo's table) is no figure, and the run before it gives
   * the figure instead.
   */
  Optional<Source> latest(String file) {
    for (int i = runs.size() - 1; i >= 0; i--) {
      Run run = runs.get(i);
      if (Files.isRegularFile(run.dir().resolve(file)) && !failedStep(run, file)) {
        return Optional.of(new Source(run, file));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code run.json} says the step that wrote {@code file} (its name's stem) failed, or
   * that the tree changed during the run.
   */
  private static boolean failedStep(Run run, String file) {
    if (run.info().path("tree_changed_during_run").asBoolean()) {
      return true;
    }
    int dot = file.lastIndexOf('.');
    String step = dot < 0 ? file : file.substring(0, dot);
    for (JsonNode recorded : run.info().path("steps")) {
      if (recorded.path("name").asText().equals(step) && recorded.path("exit_code").asInt() != 0) {
        return true;
      }
    }
    return false;
  }

  /** {@code run.json} of the run {@code source} belongs to, if it has one. */
  Optional<Source> infoOf(Source source) {
    return Files.isRegularFile(source.run().dir().resolve(RunInfo.FILE))
        ? Optional.of(new Source(source.run(), RunInfo.FILE))
        : Optional.empty();
  }

  /**
   * A Markdown link to {@code source}, relative to the document {@code from} (a path in the
   * repository), showing the file's path in the repository.
   */
  String link(Source source, Path from) {
    Path target = repository.relativize(source.path().toAbsolutePath().normalize());
    Path base = from.getParent() == null ? Path.of("") : from.getParent();
    String relative = base.relativize(target).toString();
    return "[`" + target + "`](" + relative + ")";
  }

  /** The results directory, in the repository, as a document names it. */
  String rootName() {
    return repository.relativize(root.toAbsolutePath().normalize()).toString();
  }
}
