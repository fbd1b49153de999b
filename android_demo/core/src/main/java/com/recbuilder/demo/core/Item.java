package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One catalog entry: the model index and what the user sees. Immutable. */
public final class Item {
  private final int index;
  private final String id;
  private final String title;
  private final List<String> genres;

  public Item(int index, String id, String title, List<String> genres) {
    if (index < 1) {
      throw new IllegalArgumentException("item index must be >= 1 (0 is padding): " + index);
    }
    this.index = index;
    this.id = requireNonNull(id, "id");
    this.title = requireNonNull(title, "title");
    this.genres = Collections.unmodifiableList(new ArrayList<>(requireNonNull(genres, "genres")));
  }

  /** The model index (1..N-1); 0 is padding. */
  public int index() {
    return index;
  }

  /** The original item id from the interaction data. */
  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  public List<String> genres() {
    return genres;
  }

  @Override
  public String toString() {
    return index + ":" + title;
  }

  private static <T> T requireNonNull(T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    return value;
  }
}
