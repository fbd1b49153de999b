package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Maps a user's picks (model indices, oldest first) to the model's {@code history} tensor: most
 * recent last, left-padded with pad_id, unknown indices dropped, and only the most recent L kept.
 */
public final class HistoryEncoder {
  private final int length;
  private final int padId;
  private final Catalog catalog;

  public HistoryEncoder(int length, int padId, Catalog catalog) {
    if (length < 1) {
      throw new IllegalArgumentException("length must be >= 1: " + length);
    }
    this.length = length;
    this.padId = padId;
    this.catalog = catalog;
  }

  public static HistoryEncoder forSpec(ModelSpec spec) {
    return new HistoryEncoder(spec.historyLength(), spec.padId(), spec.catalog());
  }

  /** The picks the model can see: known item indices, in the original order. */
  public List<Integer> knownPicks(List<Integer> picks) {
    List<Integer> known = new ArrayList<>(picks.size());
    for (Integer pick : picks) {
      if (pick != null && catalog.contains(pick)) {
        known.add(pick);
      }
    }
    return known;
  }

  /** The int32 history row of length L (the model's [1, L] input without the batch axis). */
  public int[] encode(List<Integer> picks) {
    List<Integer> known = knownPicks(picks);
    int keep = Math.min(known.size(), length);
    int[] row = new int[length];
    Arrays.fill(row, padId);
    int offset = length - keep;
    List<Integer> recent = known.subList(known.size() - keep, known.size());
    for (int i = 0; i < keep; i++) {
      row[offset + i] = recent.get(i);
    }
    return row;
  }

  public int length() {
    return length;
  }
}
