package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The model's vocabulary: item i lives at model index i, for i in 1..N-1 (0 is padding). */
public final class Catalog {
  private final List<Item> items; // items.get(i - 1).index() == i

  /** {@code items} must be in index order 1, 2, ..., N-1. */
  public Catalog(List<Item> items) {
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i).index() != i + 1) {
        throw new IllegalArgumentException(
            "item at position " + i + " has index " + items.get(i).index() + ", expected " + (i + 1));
      }
    }
    this.items = Collections.unmodifiableList(new ArrayList<>(items));
  }

  /** Vocabulary size including the padding index 0, i.e. the model's N. */
  public int numItems() {
    return items.size() + 1;
  }

  public boolean contains(int index) {
    return index >= 1 && index <= items.size();
  }

  /** The item at a model index; throws for padding and out-of-range indices. */
  public Item get(int index) {
    if (!contains(index)) {
      throw new IndexOutOfBoundsException("no item at model index " + index);
    }
    return items.get(index - 1);
  }

  public List<Item> all() {
    return items;
  }

  /**
   * Items whose title contains {@code query} ignoring case (all items for a blank query), in
   * index order, at most {@code limit} of them.
   */
  public List<Item> search(String query, int limit) {
    String needle = query == null ? "" : query.trim().toLowerCase(Locale.ROOT);
    List<Item> hits = new ArrayList<>();
    for (Item item : items) {
      if (hits.size() >= limit) {
        break;
      }
      if (needle.isEmpty() || item.title().toLowerCase(Locale.ROOT).contains(needle)) {
        hits.add(item);
      }
    }
    return hits;
  }
}
