package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic synthetic histories for benchmarking: lengths uniform in 0..L, item indices
 * uniform over the vocabulary. java.util.Random is specified bit-for-bit, so a seed gives the same
 * histories on the JVM and on Android.
 */
public final class HistorySampler {
  private HistorySampler() {}

  public static List<int[]> sample(ModelSpec spec, int count, long seed) {
    Random random = new Random(seed);
    HistoryEncoder encoder = HistoryEncoder.forSpec(spec);
    int maxIndex = spec.numItems() - 1;
    List<int[]> out = new ArrayList<>(count);
    for (int n = 0; n < count; n++) {
      int length = random.nextInt(spec.historyLength() + 1);
      List<Integer> picks = new ArrayList<>(length);
      for (int i = 0; i < length; i++) {
        picks.add(1 + random.nextInt(maxIndex));
      }
      out.add(encoder.encode(picks));
    }
    return out;
  }
}
