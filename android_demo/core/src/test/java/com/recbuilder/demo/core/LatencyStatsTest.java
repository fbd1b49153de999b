package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import org.junit.Test;

/** Expected values are numpy.percentile(x, p) (linear), worked out by hand. */
public class LatencyStatsTest {
  private static final double EPS = 1e-12;

  @Test
  public void oneToTen() {
    LatencyStats s = LatencyStats.of(new double[] {7, 1, 10, 3, 2, 9, 4, 8, 6, 5}); // unsorted
    assertEquals(10, s.count());
    assertEquals(5.5, s.mean(), EPS);
    assertEquals(1, s.min(), EPS);
    assertEquals(10, s.max(), EPS);
    assertEquals(5.5, s.p50(), EPS); // rank 4.5 -> 5 + 0.5 * (6 - 5)
    assertEquals(9.1, s.p90(), EPS); // rank 8.1 -> 9 + 0.1 * (10 - 9)
    assertEquals(9.91, s.p99(), EPS); // rank 8.91
    assertEquals(1, s.percentile(0), EPS);
    assertEquals(10, s.percentile(100), EPS);
  }

  @Test
  public void oddCountMedianIsTheMiddleSample() {
    LatencyStats s = LatencyStats.of(new double[] {100, 1, 10});
    assertEquals(10, s.p50(), EPS);
    assertEquals(37, s.mean(), EPS);
    assertEquals(82, s.p90(), EPS); // rank 1.8 -> 10 + 0.8 * 90
  }

  @Test
  public void singleSample() {
    LatencyStats s = LatencyStats.of(new double[] {42});
    assertEquals(42, s.p50(), EPS);
    assertEquals(42, s.p99(), EPS);
  }

  @Test
  public void nanosAreReportedInMicros() {
    LatencyStats s = LatencyStats.ofNanosAsMicros(new long[] {1500, 2500});
    assertEquals(2.0, s.mean(), EPS);
    assertEquals(2.0, s.p50(), EPS);
  }

  @Test
  public void rejectsBadInput() {
    try {
      LatencyStats.of(new double[0]);
      fail();
    } catch (IllegalArgumentException expected) {
      // ok
    }
    try {
      LatencyStats.of(new double[] {1}).percentile(101);
      fail();
    } catch (IllegalArgumentException expected) {
      // ok
    }
  }

  @Test
  public void inputIsNotModified() {
    double[] samples = {3, 1, 2};
    LatencyStats.of(samples);
    assertEquals(3, samples[0], EPS);
  }
}
