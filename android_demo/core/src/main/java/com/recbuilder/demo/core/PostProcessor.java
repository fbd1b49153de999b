package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns raw {@code top_ids}/{@code top_scores} into what the user sees. The graph already masks
 * padding and history items; this guards anyway, so a model that breaks the contract can show
 * fewer items but never padding, an already-picked movie, a duplicate or an unknown index.
 */
public final class PostProcessor {
  private PostProcessor() {}

  /** Keeps rank order; drops padding/unknown indices, picked items and repeats; stops at limit. */
  public static List<Recommendation> filter(
      TopK topK, Collection<Integer> picked, Catalog catalog, int limit) {
    Set<Integer> exclude = new HashSet<>(picked);
    List<Recommendation> out = new ArrayList<>();
    for (int i = 0; i < topK.size() && out.size() < limit; i++) {
      int id = topK.id(i);
      if (!catalog.contains(id) || !exclude.add(id)) {
        continue;
      }
      out.add(new Recommendation(catalog.get(id), topK.score(i)));
    }
    return out;
  }

  /** Cold start: the popularity list minus picked items, first {@code limit}, without scores. */
  public static List<Recommendation> popular(
      List<Integer> popular, Collection<Integer> picked, Catalog catalog, int limit) {
    Set<Integer> exclude = new HashSet<>(picked);
    List<Recommendation> out = new ArrayList<>();
    for (int index : popular) {
      if (out.size() >= limit) {
        break;
      }
      if (catalog.contains(index) && exclude.add(index)) {
        out.add(new Recommendation(catalog.get(index), Float.NaN));
      }
    }
    return out;
  }
}
