package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fake {@link Engine}: returns a scripted TopK, records the histories it was given, and can
 * advance a {@link FakeTicker} to simulate load and inference time.
 */
public final class FakeEngine implements Engine {
  public final List<int[]> calls = new ArrayList<>();
  private final TopK answer;
  private final FakeTicker ticker;
  private final long loadNanos;
  private final long[] runNanos;
  private ModelException loadError;
  private boolean loaded;
  public boolean closed;

  public FakeEngine(TopK answer) {
    this(answer, null, 0, new long[] {0});
  }

  /** Each recommend call advances the ticker by the next entry of runNanos (cycling). */
  public FakeEngine(TopK answer, FakeTicker ticker, long loadNanos, long[] runNanos) {
    this.answer = answer;
    this.ticker = ticker;
    this.loadNanos = loadNanos;
    this.runNanos = runNanos.clone();
  }

  public FakeEngine failingLoad(ModelException error) {
    this.loadError = error;
    return this;
  }

  @Override
  public void load(ModelSpec spec) throws ModelException {
    if (ticker != null) {
      ticker.advance(loadNanos);
    }
    if (loadError != null) {
      throw loadError;
    }
    loaded = true;
  }

  @Override
  public TopK recommend(int[] history) {
    if (!loaded) {
      throw new IllegalStateException("not loaded");
    }
    if (ticker != null) {
      ticker.advance(runNanos[calls.size() % runNanos.length]);
    }
    calls.add(Arrays.copyOf(history, history.length));
    return answer;
  }

  @Override
  public void close() {
    closed = true;
  }
}
