package com.recbuilder.demo.core;

/** A monotonic nanosecond clock; {@code System::nanoTime} in production, a fake in tests. */
public interface Ticker {
  long nanoTime();

  Ticker SYSTEM = System::nanoTime;
}
