package com.recbuilder.demo.core;

/** One recommended item with its score (NaN for cold-start popularity picks). */
public final class Recommendation {
  private final Item item;
  private final float score;

  public Recommendation(Item item, float score) {
    this.item = item;
    this.score = score;
  }

  public Item item() {
    return item;
  }

  public float score() {
    return score;
  }

  public boolean hasScore() {
    return !Float.isNaN(score);
  }

  @Override
  public String toString() {
    return item.index() + ":" + item.title() + (hasScore() ? "@" + score : "");
  }
}
