package dev.stockade.benchmarks.figures;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stockade.CgroupMode;
import dev.stockade.internal.cgroup.CgroupProbe;
import dev.stockade.internal.cgroup.CgroupSelection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes {@code run.json}, the record of one run of {@code benchmarks/run-all}: the commit and
 * whether the tree had changes, when it ran, the machine (processors, CPU model, memory, kernel,
 * the cgroup version and the mode a default pool selects, the Java and Python versions, how many
 * processes ran) and the load average before and after; at the end, each step with its exit code
 * and duration, and whether the commit or the working tree changed during the run (then it exits
 * with 1).
 *
 * <pre>
 * RunInfo start DIR [--quick]   # before the first benchmark
 * RunInfo finish DIR            # after the last; reads DIR/steps.tsv, written by run-all
 * </pre>
 */
public final class RunInfo {
  static final String FILE = "run.json";
  static final String STEPS = "steps.tsv";

  private RunInfo() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || !List.of("start", "finish").contains(args[0])) {
      throw new IllegalArgumentException(
          "usage: RunInfo start DIR [--quick] | RunInfo finish DIR; was " + String.join(" ", args));
    }
    Path dir = Path.of(args[1]);
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    if (args[0].equals("start")) {
      Files.createDirectories(dir);
      ObjectNode run = start(mapper, args.length > 2 && args[2].equals("--quick"));
      mapper.writeValue(dir.resolve(FILE).toFile(), run);
    } else {
      ObjectNode run = (ObjectNode) mapper.readTree(dir.resolve(FILE).toFile());
      boolean unchanged = finish(run, dir);
      mapper.writeValue(dir.resolve(FILE).toFile(), run);
      if (!unchanged) {
        System.err.println(
            "run-all: the commit or the working tree changed during the run; its figures describe"
                + " no one commit (run.json: tree_changed_during_run)");
        System.exit(1);
      }
    }
  }

  private static ObjectNode start(ObjectMapper mapper, boolean quick) {
    ObjectNode run = mapper.createObjectNode();
    run.put("commit", command("git", "rev-parse", "HEAD"));
    String changes = command("git", "status", "--porcelain", "--untracked-files=no");
    run.put("dirty", !changes.isEmpty());
    run.put("tree_at_start", treeState());
    ArrayNode changed = run.putArray("changed_files");
    changes.lines().limit(50).forEach(changed::add);
    run.put("started", Instant.now().toString());
    run.put("quick", quick);
    ObjectNode machine = run.putObject("machine");
    machine.put("processors", Runtime.getRuntime().availableProcessors());
    machine.put("cpu_model", field(Path.of("/proc/cpuinfo"), "model name"));
    machine.put("memory_total", field(Path.of("/proc/meminfo"), "MemTotal"));
    machine.put("os", osName());
    machine.put("kernel", read(Path.of("/proc/sys/kernel/osrelease")));
    machine.put("cgroup_filesystem", cgroupFilesystem());
    CgroupSelection auto = CgroupProbe.select(CgroupMode.AUTO);
    machine.put("cgroup_mode", auto.mode().toString());
    machine.put("cgroup_selection", auto.description());
    machine.put(
        "java",
        System.getProperty("java.vm.name")
            + " "
            + Runtime.version()
            + " ("
            + System.getProperty("java.vendor")
            + ")");
    machine.put("python", command("python3", "--version"));
    machine.put("processes_running", processCount());
    run.put("load_average_before", loadAverage());
    return run;
  }

  /**
   * The commit and every change to the working tree but the results themselves: a step that builds
   * (the demo's) builds the tree as it is then, so a tree edited during the run would give figures
   * of no one commit.
   */
  private static String treeState() {
    String changes =
        command("git", "status", "--porcelain", "--untracked-files=all")
            .lines()
            .filter(l -> !l.contains("benchmarks/results/"))
            .collect(Collectors.joining("\n"));
    String diff = command("git", "diff", "HEAD");
    return command("git", "rev-parse", "HEAD") + "\n" + changes + "\n" + diff.hashCode();
  }

  private static boolean finish(ObjectNode run, Path dir) throws IOException {
    run.put("finished", Instant.now().toString());
    run.put("load_average_after", loadAverage());
    run.put("processes_running_after", processCount());
    ArrayNode steps = run.putArray("steps");
    Path tsv = dir.resolve(STEPS);
    if (Files.exists(tsv)) {
      for (String line : Files.readAllLines(tsv)) {
        String[] f = line.split("\t", 4);
        if (f.length == 4) {
          steps
              .addObject()
              .put("name", f[0])
              .put("exit_code", Integer.parseInt(f[1]))
              .put("seconds", Long.parseLong(f[2]))
              .put("command", f[3]);
        }
      }
      Files.delete(tsv);
    }
    boolean unchanged = run.path("tree_at_start").asText().equals(treeState());
    run.put("tree_changed_during_run", !unchanged);
    return unchanged;
  }

  /** "v2" (unified), "v1", "hybrid" (v1 controllers with a v2 tree beside), or "none". */
  static String cgroupFilesystem() {
    Path root = Path.of("/sys/fs/cgroup");
    if (Files.exists(root.resolve("cgroup.controllers"))) {
      return "v2";
    }
    if (Files.isDirectory(root.resolve("memory"))) {
      return Files.isDirectory(root.resolve("unified")) ? "hybrid" : "v1";
    }
    return "none";
  }

  private static String osName() {
    for (String line : read(Path.of("/etc/os-release")).split("\n", -1)) {
      if (line.startsWith("PRETTY_NAME=")) {
        return line.substring("PRETTY_NAME=".length()).replace("\"", "");
      }
    }
    return "unknown";
  }

  /** The value of the first {@code key: value} line of a /proc file. */
  private static String field(Path file, String key) {
    for (String line : read(file).split("\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
        return line.substring(colon + 1).trim();
      }
    }
    return "unknown";
  }

  static String loadAverage() {
    String[] f = read(Path.of("/proc/loadavg")).split("\\s+", -1);
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "unknown";
  }

  private static long processCount() {
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      return entries.filter(p -> p.getFileName().toString().matches("[0-9]+")).count();
    } catch (IOException e) {
      return -1;
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The trimmed output of a short command, or "unknown" if it fails. */
  private static String command(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String text;
      try (InputStream in = p.getInputStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "unknown";
      }
      return p.exitValue() == 0 ? text : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
