package com.recbuilder.demo.core;

import java.util.List;
import java.util.Locale;

/** The Benchmark screen's side-by-side table as monospace text, one row per model. */
public final class BenchmarkTable {
  private BenchmarkTable() {}

  static final String HEADER =
      String.format(
          Locale.ROOT,
          "%-14s %9s %8s %8s %8s %8s %8s",
          "stage", "size KB", "init ms", "mean us", "p50 us", "p90 us", "p99 us");

  public static String format(List<BenchmarkResult> results) {
    StringBuilder sb = new StringBuilder(HEADER);
    for (BenchmarkResult r : results) {
      LatencyStats s = r.latencyMicros();
      sb.append('\n')
          .append(
              String.format(
                  Locale.ROOT,
                  "%-14s %9.1f %8.1f %8.1f %8.1f %8.1f %8.1f",
                  truncate(r.stage(), 14),
                  r.modelBytes() / 1024.0,
                  r.initMillis(),
                  s.mean(),
                  s.p50(),
                  s.p90(),
                  s.p99()));
    }
    return sb.toString();
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "~";
  }
}
