package com.recbuilder.demo.core;

import java.util.List;

/**
 * Times one engine: init ({@link Engine#load}), then warm-up runs, then timed runs that cycle
 * through the given histories. Runs on the caller's thread (the app uses a worker thread).
 */
public final class BenchmarkRunner {
  private final Ticker ticker;
  private final int warmupRuns;
  private final int timedRuns;

  public BenchmarkRunner(Ticker ticker, int warmupRuns, int timedRuns) {
    if (warmupRuns < 0 || timedRuns < 1) {
      throw new IllegalArgumentException("need warmupRuns >= 0 and timedRuns >= 1");
    }
    this.ticker = ticker;
    this.warmupRuns = warmupRuns;
    this.timedRuns = timedRuns;
  }

  /**
   * Loads {@code engine} with {@code spec} and times it. The engine is left loaded; the caller
   * closes it.
   */
  public BenchmarkResult run(
      String modelName, long modelBytes, ModelSpec spec, Engine engine, List<int[]> histories)
      throws ModelException {
    if (histories.isEmpty()) {
      throw new IllegalArgumentException("no histories");
    }
    long t0 = ticker.nanoTime();
    engine.load(spec);
    double initMillis = (ticker.nanoTime() - t0) / 1e6;
    for (int i = 0; i < warmupRuns; i++) {
      engine.recommend(histories.get(i % histories.size()));
    }
    long[] nanos = new long[timedRuns];
    for (int i = 0; i < timedRuns; i++) {
      int[] history = histories.get(i % histories.size());
      long start = ticker.nanoTime();
      engine.recommend(history);
      nanos[i] = ticker.nanoTime() - start;
    }
    return new BenchmarkResult(
        modelName,
        spec.stage(),
        modelBytes,
        initMillis,
        warmupRuns,
        LatencyStats.ofNanosAsMicros(nanos));
  }
}
