package com.recbuilder.sdk;

/**
 * How {@link ModelBenchmark} times each model: warm-up and timed {@code recommend} calls cycling
 * through synthetic histories drawn with a fixed seed (identical on every device).
 */
public final class BenchmarkSettings {
  /** The Benchmark screen's settings: 20 warm-up and 200 timed calls on 64 histories, seed 42. */
  public static final BenchmarkSettings DEFAULT = new BenchmarkSettings(20, 200, 64, 42L);

  private final int warmupRuns;
  private final int timedRuns;
  private final int histories;
  private final long seed;

  public BenchmarkSettings(int warmupRuns, int timedRuns, int histories, long seed) {
    if (warmupRuns < 0 || timedRuns < 1 || histories < 1) {
      throw new IllegalArgumentException(
          "need warmupRuns >= 0, timedRuns >= 1 and histories >= 1, got " + warmupRuns + ", "
              + timedRuns + ", " + histories);
    }
    this.warmupRuns = warmupRuns;
    this.timedRuns = timedRuns;
    this.histories = histories;
    this.seed = seed;
  }

  public int warmupRuns() {
    return warmupRuns;
  }

  public int timedRuns() {
    return timedRuns;
  }

  public int histories() {
    return histories;
  }

  public long seed() {
    return seed;
  }
}
