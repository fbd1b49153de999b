package com.recbuilder.demo.core;

import java.util.Arrays;

/** The raw outputs of the {@code recommend} signature for one history: ids and their scores. */
public final class TopK {
  private final int[] ids;
  private final float[] scores;

  public TopK(int[] ids, float[] scores) {
    if (ids.length != scores.length) {
      throw new IllegalArgumentException(
          "top_ids has " + ids.length + " entries but top_scores has " + scores.length);
    }
    this.ids = ids.clone();
    this.scores = scores.clone();
  }

  public int size() {
    return ids.length;
  }

  public int id(int i) {
    return ids[i];
  }

  public float score(int i) {
    return scores[i];
  }

  public int[] ids() {
    return ids.clone();
  }

  public float[] scores() {
    return scores.clone();
  }

  @Override
  public String toString() {
    return "TopK{ids=" + Arrays.toString(ids) + ", scores=" + Arrays.toString(scores) + "}";
  }
}
