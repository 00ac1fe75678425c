package dev.stockade.benchmarks;

import dev.stockade.EnvironmentNames;
import dev.stockade.benchmarks.ComparisonRows.Figure;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's side of {@link MultiprocessingComparison}: runs {@code mp_baseline.py}, tagged so its
 * pools' and pipes' children are found if left, and turns the iterations of its passes into
 * figures. Not a benchmark.
 */
final class PythonBaseline {
  static final String TAG_KIND = "mp";

  static final String APPLY = "Pool(1).apply";
  static final String IMAP = "Pool(2).imap_unordered";
  static final String MAP = "Pool(2).map";
  static final String PIPE_SEND = "Pipe().send";
  static final String PIPE_BYTES = "Pipe().send_bytes";
  static final String PIPE_ONE_WAY = "Pipe(duplex=False).send_bytes";
  static final String JSON_APPLY = "Pool(1).apply(dict)";

  /** Each figure's name, its keys' prefix in the script's JSON, its unit. */
  private static final List<String[]> FIGURES =
      List.of(
          new String[] {APPLY, "apply_us", "us/op"},
          new String[] {IMAP, "imap_ms", "ms/op"},
          new String[] {MAP, "map_ms", "ms/op"},
          new String[] {PIPE_SEND, "pipe_send_us", "us/op"},
          new String[] {PIPE_BYTES, "pipe_bytes_us", "us/op"},
          new String[] {PIPE_ONE_WAY, "pipe_one_way_bytes_us", "us/op"},
          new String[] {JSON_APPLY, "json_apply_us", "us/op"});

  private PythonBaseline() {}

  /** The script's options: the JSON object's file, and for a smoke run the fewest iterations. */
  static List<String> arguments(boolean quick, Path jsonObject) {
    List<String> args = new ArrayList<>(List.of("--json-object", jsonObject.toString()));
    if (quick) {
      args.addAll(List.of("--warmup", "1", "--iterations", "2"));
      for (String option : List.of("apply", "imap", "map", "pipe", "json")) {
        args.addAll(List.of("--" + option + "-seconds", "0.5"));
      }
    }
    return args;
  }

  /** How a row names a pipe figure. */
  static String describe(String pipeFigure) {
    return switch (pipeFigure) {
      case PIPE_SEND -> "a duplex Pipe(), send/recv (pickled)";
      case PIPE_BYTES -> "a duplex Pipe(), send_bytes/recv_bytes";
      case PIPE_ONE_WAY -> "two Pipe(duplex=False), send_bytes/recv_bytes";
      default -> pipeFigure;
    };
  }

  /** Runs mp_baseline.py once, tagged; returns its JSON line. */
  static String run(Path script, List<String> pyArgs, int pass)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("python3", script.toString()));
    command.addAll(pyArgs);
    ProcessBuilder pb = new ProcessBuilder(command);
    String poolId = BenchProcesses.uniquePoolId(TAG_KIND);
    // Pool workers and pipe children are forked from the driver and inherit its environment, so
    // its tag too.
    pb.environment().put(EnvironmentNames.TAG, poolId + "/w" + pass);
    pb.redirectInput(new File("/dev/null"));
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String text;
    try (InputStream in = p.getInputStream()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    WorkerBenches.await(p, 20, TimeUnit.MINUTES);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("mp_baseline.py exited " + p.exitValue() + ": " + text);
    }
    WorkerBenches.assertNoneLeft(BenchProcesses.ofPool(poolId), "mp_baseline.py");
    return text;
  }

  /** Every figure the passes hold, by name. */
  static Map<String, Figure> figures(List<String> passes) {
    Map<String, Figure> figures = new LinkedHashMap<>();
    for (String[] f : FIGURES) {
      figures.put(f[0], figure(f[0], passes, f[1], f[2]));
    }
    return figures;
  }

  /** The mean of both passes' iterations; the error is their stdev. */
  private static Figure figure(String name, List<String> passes, String key, String unit) {
    List<Double> all = new ArrayList<>();
    for (String pass : passes) {
      all.addAll(numbers(pass, key + "_iterations"));
    }
    double mean = all.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    double var =
        all.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, all.size() - 1);
    return new Figure(name, mean, Math.sqrt(var), unit, all);
  }

  /** The numbers of the flat JSON array {@code "key": [...]} in {@code json}. */
  private static List<Double> numbers(String json, String key) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + key + " in " + json);
    }
    List<Double> values = new ArrayList<>();
    for (String v : m.group(1).split(",", -1)) {
      values.add(Double.parseDouble(v.trim()));
    }
    return values;
  }
}
