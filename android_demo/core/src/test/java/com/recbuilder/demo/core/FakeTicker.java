package com.recbuilder.demo.core;

/** A manual clock for deterministic timing tests. */
public final class FakeTicker implements Ticker {
  private long now = 1_000_000L;

  @Override
  public long nanoTime() {
    return now;
  }

  public void advance(long nanos) {
    now += nanos;
  }
}
