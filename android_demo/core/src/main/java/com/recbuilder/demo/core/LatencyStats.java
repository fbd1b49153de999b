package com.recbuilder.demo.core;

import java.util.Arrays;

/**
 * Summary of latency samples (any unit): count, mean, min, max and percentiles. Percentiles use
 * linear interpolation between closest ranks (numpy's default), so the app's, the JVM's and the
 * Python benchmark's numbers are computed the same way.
 */
public final class LatencyStats {
  private final double[] sorted;
  private final double mean;

  private LatencyStats(double[] sorted, double mean) {
    this.sorted = sorted;
    this.mean = mean;
  }

  public static LatencyStats of(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (double s : sorted) {
      sum += s;
    }
    return new LatencyStats(sorted, sum / sorted.length);
  }

  /** Nanosecond samples summarised in microseconds. */
  public static LatencyStats ofNanosAsMicros(long[] nanos) {
    double[] micros = new double[nanos.length];
    for (int i = 0; i < nanos.length; i++) {
      micros[i] = nanos[i] / 1000.0;
    }
    return of(micros);
  }

  /** The p-th percentile, 0 <= p <= 100. */
  public double percentile(double p) {
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in [0, 100]: " + p);
    }
    double rank = p / 100.0 * (sorted.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = (int) Math.ceil(rank);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
  }

  public int count() {
    return sorted.length;
  }

  public double mean() {
    return mean;
  }

  public double min() {
    return sorted[0];
  }

  public double max() {
    return sorted[sorted.length - 1];
  }

  public double p50() {
    return percentile(50);
  }

  public double p90() {
    return percentile(90);
  }

  public double p99() {
    return percentile(99);
  }
}
