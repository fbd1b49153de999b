package com.recbuilder.sdk.testing;

import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.ModelContract;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.ObservedModel;
import com.recbuilder.demo.core.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fake {@link Engine} with a rule simple enough to check by hand: the top-K are the K items
 * after the most recent one in the history (last+1, last+2, ..., wrapping past N-1 to 1), scores
 * 0.9, 0.8, ... It does not mask the history, so the SDK's own guard must drop picked items.
 * Loading checks the sidecar against {@code observed} with the real {@link ModelContract}.
 */
public final class RankingFakeEngine implements Engine {
  private final ObservedModel observed;
  private final List<int[]> calls = new ArrayList<>();
  private ModelSpec spec;
  private boolean closed;

  public RankingFakeEngine(ObservedModel observed) {
    this.observed = observed;
  }

  /** The expected top-K for a history whose most recent item is {@code last}. */
  public static List<Integer> ranking(int last, int numItems, int k) {
    List<Integer> out = new ArrayList<>();
    for (int i = 1; i <= k; i++) {
      out.add((last - 1 + i) % (numItems - 1) + 1);
    }
    return out;
  }

  @Override
  public void load(ModelSpec spec) throws ModelException {
    if (this.spec != null) {
      throw new IllegalStateException("already loaded");
    }
    ModelContract.check(spec, observed);
    this.spec = spec;
  }

  @Override
  public TopK recommend(int[] history) {
    if (spec == null || closed) {
      throw new IllegalStateException("recommend() before load() or after close()");
    }
    calls.add(Arrays.copyOf(history, history.length));
    int last = history[history.length - 1];
    List<Integer> ids = ranking(last, spec.numItems(), spec.k());
    int[] topIds = new int[ids.size()];
    float[] scores = new float[ids.size()];
    for (int i = 0; i < topIds.length; i++) {
      topIds[i] = ids.get(i);
      scores[i] = 0.9f - 0.1f * i;
    }
    return new TopK(topIds, scores);
  }

  /** The encoded histories this engine was asked about, in order. */
  public List<int[]> calls() {
    return calls;
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }
}
