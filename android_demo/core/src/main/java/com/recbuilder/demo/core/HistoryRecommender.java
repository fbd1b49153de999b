package com.recbuilder.demo.core;

import java.util.List;

/**
 * Picks in (model indices, oldest first), titled top-K out, cold start when nothing is known.
 * Runtime-neutral: the sdk's {@code Recommender} wraps it around the LiteRT engine.
 */
public final class HistoryRecommender {
  private final ModelSpec spec;
  private final Engine engine;
  private final HistoryEncoder encoder;

  /** {@code engine} must already be loaded with {@code spec}. */
  public HistoryRecommender(ModelSpec spec, Engine engine) {
    this.spec = spec;
    this.engine = engine;
    this.encoder = HistoryEncoder.forSpec(spec);
  }

  /**
   * @param picks model indices the user picked, oldest first; unknown indices are ignored
   */
  public Recommendations recommend(List<Integer> picks) throws ModelException {
    List<Integer> known = encoder.knownPicks(picks);
    if (known.isEmpty()) {
      return new Recommendations(
          PostProcessor.popular(spec.popular(), known, spec.catalog(), spec.k()), true);
    }
    TopK topK = engine.recommend(encoder.encode(known));
    // Exclude every pick, not only the last L the model saw: the user has seen them all.
    return new Recommendations(
        PostProcessor.filter(topK, known, spec.catalog(), spec.k()), false);
  }

  public ModelSpec spec() {
    return spec;
  }
}
