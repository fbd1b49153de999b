package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class BenchmarkRunnerTest {

  @Test
  public void timesInitWarmupAndRunsWithAFakeClock() throws Exception {
    ModelSpec spec = Sidecars.spec(3, 10, 3);
    FakeTicker ticker = new FakeTicker();
    // load takes 2.5 ms; calls take 10, 20, 30, 40 us, cycling. 2 warm-ups consume 10 and 20.
    FakeEngine engine =
        new FakeEngine(
            new TopK(new int[] {1, 2, 3}, new float[] {1, 1, 1}),
            ticker,
            2_500_000L,
            new long[] {10_000, 20_000, 30_000, 40_000});
    List<int[]> histories = Arrays.asList(new int[] {0, 0, 1}, new int[] {0, 2, 3});
    BenchmarkResult r =
        new BenchmarkRunner(ticker, 2, 4).run("model.tflite", 48920, spec, engine, histories);
    assertEquals(2.5, r.initMillis(), 1e-9);
    assertEquals(6, engine.calls.size());
    // timed runs see 30, 40, 10, 20 us -> sorted 10, 20, 30, 40
    assertEquals(4, r.latencyMicros().count());
    assertEquals(25.0, r.latencyMicros().mean(), 1e-9);
    assertEquals(25.0, r.latencyMicros().p50(), 1e-9);
    assertEquals(37.0, r.latencyMicros().p90(), 1e-9); // rank 2.7 -> 30 + 0.7 * 10
    assertEquals(39.7, r.latencyMicros().p99(), 1e-9); // rank 2.97
    // histories are cycled in order
    assertEquals(Arrays.toString(new int[] {0, 2, 3}), Arrays.toString(engine.calls.get(3)));
  }

  @Test
  public void logLineIsParseableKeyValue() throws Exception {
    ModelSpec spec = Sidecars.spec(3, 10, 3);
    FakeTicker ticker = new FakeTicker();
    FakeEngine engine =
        new FakeEngine(new TopK(new int[] {1}, new float[] {1}), ticker, 1_234_567L, new long[] {5_000});
    String line =
        new BenchmarkRunner(ticker, 0, 3)
            .run("final model.tflite", 100, spec, engine, Arrays.asList(new int[] {0, 0, 1}))
            .toLogLine();
    assertEquals(
        "RECBENCH model=final_model.tflite stage=final_int8 size_bytes=100 init_ms=1.235 warmup=0"
            + " runs=3 mean_us=5.000 p50_us=5.000 p90_us=5.000 p99_us=5.000",
        line);
    Map<String, String> kv = KeyValueLine.parse(line);
    assertEquals("RECBENCH", kv.get(""));
    assertEquals("final_int8", kv.get("stage"));
    assertEquals(5.0, Double.parseDouble(kv.get("p99_us")), 0);
  }

  @Test
  public void errorLineKeepsTheMessageParseable() {
    String line = BenchmarkResult.errorLogLine("student.json", "model.json key 'k' is 11 but ...");
    assertEquals("RECBENCH model=student.json error=model.json_key_'k'_is_11_but_...", line);
    assertEquals("model.json_key_'k'_is_11_but_...", KeyValueLine.parse(line).get("error"));
  }

  @Test
  public void loadErrorsPropagate() throws Exception {
    ModelSpec spec = Sidecars.spec(3, 10, 3);
    FakeEngine engine =
        new FakeEngine(new TopK(new int[0], new float[0]))
            .failingLoad(new ModelMismatchException("bad L"));
    try {
      new BenchmarkRunner(new FakeTicker(), 1, 1)
          .run("m", 1, spec, engine, Arrays.asList(new int[] {0, 0, 1}));
      fail();
    } catch (ModelMismatchException e) {
      assertTrue(e.getMessage().contains("bad L"));
    }
  }
}
