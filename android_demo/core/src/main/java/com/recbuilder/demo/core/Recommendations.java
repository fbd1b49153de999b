package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What the Recommend screen shows: an ordered list, and whether it came from cold start. */
public final class Recommendations {
  private final List<Recommendation> items;
  private final boolean coldStart;

  public Recommendations(List<Recommendation> items, boolean coldStart) {
    this.items = Collections.unmodifiableList(new ArrayList<>(items));
    this.coldStart = coldStart;
  }

  public List<Recommendation> items() {
    return items;
  }

  /** True when the history was empty and the list is the sidecar's popularity list. */
  public boolean isColdStart() {
    return coldStart;
  }

  /** Model indices in rank order (handy in tests and logs). */
  public List<Integer> indices() {
    List<Integer> out = new ArrayList<>(items.size());
    for (Recommendation r : items) {
      out.add(r.item().index());
    }
    return out;
  }
}
