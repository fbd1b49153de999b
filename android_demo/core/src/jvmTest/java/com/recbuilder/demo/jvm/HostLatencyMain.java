package com.recbuilder.demo.jvm;

import com.recbuilder.demo.core.BenchmarkResult;
import com.recbuilder.demo.core.BenchmarkRunner;
import com.recbuilder.demo.core.LatencyStats;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.TestJson;
import com.recbuilder.demo.core.Ticker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the JVM engine per {@code recommend} call on the recorded histories (with core's own
 * BenchmarkRunner, as the app's Benchmark screen does) and prints it next to the Python LiteRT
 * latency that make_parity_cases.py measured for the same model and histories.
 *
 * <p>Usage: HostLatencyMain OUT.json [RUNS] [WARMUP], with the recdemo.* system properties.
 */
public final class HostLatencyMain {
  static final String LABEL = "host JVM (JNA -> libLiteRt C API)";

  private HostLatencyMain() {}

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 500;

    ModelSpec spec = JvmFixture.spec();
    ParityCases recorded = ParityCases.read(JvmFixture.parityCases());
    List<int[]> histories = new ArrayList<>();
    for (ParityCases.Case c : recorded.cases) {
      histories.add(c.history);
    }
    Path model = JvmFixture.modelDir().resolve(spec.modelFile());
    BenchmarkResult result;
    try (JnaLiteRtEngine engine = JvmFixture.engine(spec)) {
      result =
          new BenchmarkRunner(Ticker.SYSTEM, warmup, runs)
              .run(model.getFileName().toString(), Files.size(model), spec, engine, histories);
    }
    LatencyStats s = result.latencyMicros();
    Map<String, Object> jvm = new LinkedHashMap<>();
    jvm.put("label", LABEL);
    jvm.put("runs", s.count());
    jvm.put("warmup", warmup);
    jvm.put("init_ms", result.initMillis());
    jvm.put("mean_us", s.mean());
    jvm.put("p50_us", s.p50());
    jvm.put("p90_us", s.p90());
    jvm.put("p99_us", s.p99());
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model_file", model.getFileName().toString());
    report.put("model_bytes", result.modelBytes());
    report.put("stage", spec.stage());
    report.put("histories", histories.size());
    report.put("host_jvm", jvm);
    report.put("python", recorded.pythonLatency);
    Files.write(out, TestJson.write(report).getBytes(StandardCharsets.UTF_8));

    System.out.println(result.toLogLine());
    System.out.println(
        "LATENCY per recommend call, " + spec.stage() + " " + model.getFileName() + " ("
            + result.modelBytes() + " bytes), same " + histories.size() + " histories:");
    System.out.println(line(LABEL, s.count(), s.mean(), s.p50(), s.p90(), s.p99()));
    Map<String, Object> py = recorded.pythonLatency;
    System.out.println(
        line(
            (String) py.get("label"),
            ((Number) py.get("runs")).intValue(),
            num(py, "mean_us"),
            num(py, "p50_us"),
            num(py, "p90_us"),
            num(py, "p99_us")));
    System.out.println("  (written to " + out + ")");
  }

  private static double num(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }

  private static String line(String label, int runs, double mean, double p50, double p90, double p99) {
    return String.format(
        Locale.ROOT,
        "  %-80s runs=%d mean=%.1f us p50=%.1f us p90=%.1f us p99=%.1f us",
        label, runs, mean, p50, p90, p99);
  }
}
