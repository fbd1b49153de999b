package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import org.junit.Test;

public class BenchmarkTableTest {

  @Test
  public void rowsLineUpUnderTheHeader() {
    BenchmarkResult int8 =
        new BenchmarkResult("model.tflite", "final_int8", 48920, 12.34, 20,
            LatencyStats.of(new double[] {10, 20, 30, 40}));
    BenchmarkResult fp32 =
        new BenchmarkResult("student_fp32.tflite", "student_fp32_very_long", 2048, 5, 20,
            LatencyStats.of(new double[] {100}));
    String[] lines = BenchmarkTable.format(Arrays.asList(int8, fp32)).split("\n");
    assertEquals(3, lines.length);
    assertEquals("stage            size KB  init ms  mean us   p50 us   p90 us   p99 us", lines[0]);
    assertEquals("final_int8          47.8     12.3     25.0     25.0     37.0     39.7", lines[1]);
    assertEquals("student_fp32_~       2.0      5.0    100.0    100.0    100.0    100.0", lines[2]);
  }
}
