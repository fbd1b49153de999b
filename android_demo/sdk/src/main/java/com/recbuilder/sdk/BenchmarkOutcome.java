package com.recbuilder.sdk;

import com.recbuilder.demo.core.BenchmarkResult;

/** One bundled model's benchmark: its timings, or the reason it could not be benchmarked. */
public final class BenchmarkOutcome {
  private final String sidecarName;
  private final BenchmarkResult result;
  private final String error;

  private BenchmarkOutcome(String sidecarName, BenchmarkResult result, String error) {
    this.sidecarName = sidecarName;
    this.result = result;
    this.error = error;
  }

  static BenchmarkOutcome measured(String sidecarName, BenchmarkResult result) {
    return new BenchmarkOutcome(sidecarName, result, null);
  }

  static BenchmarkOutcome failed(String sidecarName, String error) {
    return new BenchmarkOutcome(sidecarName, null, error);
  }

  public String sidecarName() {
    return sidecarName;
  }

  public boolean isMeasured() {
    return result != null;
  }

  /** Null when the model failed. */
  public BenchmarkResult result() {
    return result;
  }

  /** Null when the model was measured. */
  public String error() {
    return error;
  }

  /** The RECBENCH line logged for this model. */
  public String logLine() {
    return result != null ? result.toLogLine() : BenchmarkResult.errorLogLine(sidecarName, error);
  }
}
