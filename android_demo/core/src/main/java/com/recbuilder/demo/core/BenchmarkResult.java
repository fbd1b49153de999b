package com.recbuilder.demo.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One model's row on the Benchmark screen. Latencies are per {@code recommend} call. */
public final class BenchmarkResult {
  public static final String LOG_TAG = "RECBENCH";

  private final String modelName;
  private final String stage;
  private final long modelBytes;
  private final double initMillis;
  private final int warmupRuns;
  private final LatencyStats micros;

  public BenchmarkResult(
      String modelName,
      String stage,
      long modelBytes,
      double initMillis,
      int warmupRuns,
      LatencyStats micros) {
    this.modelName = modelName;
    this.stage = stage;
    this.modelBytes = modelBytes;
    this.initMillis = initMillis;
    this.warmupRuns = warmupRuns;
    this.micros = micros;
  }

  public String modelName() {
    return modelName;
  }

  public String stage() {
    return stage;
  }

  public long modelBytes() {
    return modelBytes;
  }

  /** Time to load the model, build the runtime and check the contract. */
  public double initMillis() {
    return initMillis;
  }

  public int warmupRuns() {
    return warmupRuns;
  }

  /** Latency of timed runs, in microseconds. */
  public LatencyStats latencyMicros() {
    return micros;
  }

  /** The parseable logcat line, e.g. {@code RECBENCH model=model.tflite stage=final_int8 ...}. */
  public String toLogLine() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("model", modelName);
    f.put("stage", stage);
    f.put("size_bytes", Long.toString(modelBytes));
    f.put("init_ms", fmt(initMillis));
    f.put("warmup", Integer.toString(warmupRuns));
    f.put("runs", Integer.toString(micros.count()));
    f.put("mean_us", fmt(micros.mean()));
    f.put("p50_us", fmt(micros.p50()));
    f.put("p90_us", fmt(micros.p90()));
    f.put("p99_us", fmt(micros.p99()));
    return KeyValueLine.format(LOG_TAG, f);
  }

  /** The logcat line for a model that could not be benchmarked. */
  public static String errorLogLine(String modelName, String message) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("model", modelName);
    f.put("error", message);
    return KeyValueLine.format(LOG_TAG, f);
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
