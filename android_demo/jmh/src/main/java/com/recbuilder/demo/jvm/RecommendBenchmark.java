package com.recbuilder.demo.jvm;

import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.Recommendation;
import com.recbuilder.demo.core.TopK;
import com.recbuilder.sdk.DirectoryModelFiles;
import com.recbuilder.sdk.Recommender;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Host JVM latency of one {@code recommend} call on the model of {@code recdemo.modelDir}, over the
 * recorded parity histories (scripts/make_parity_cases.py), in two layers:
 *
 * <ul>
 *   <li>{@link #engine}: the runtime alone, JnaLiteRtEngine (LiteRT's C API in libLiteRt.so) on
 *       an encoded history row, what Python's signature runner is timed on;
 *   <li>{@link #sdk}: the sdk's public path, {@code Recommender.recommend(picks)} (encode, run,
 *       drop picks, attach titles) opened through the sdk with the host engine in place of LiteRT's
 *       Java Interpreter (whose native library is built for Android only).
 * </ul>
 *
 * Host numbers, not phone numbers. Run by scripts/jmh_bench.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecommendBenchmark {
  private JnaLiteRtEngine engine;
  private Recommender recommender;
  private final List<int[]> rows = new ArrayList<>();
  private final List<List<Integer>> picks = new ArrayList<>();
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ModelSpec spec = JvmFixture.spec();
    for (ParityCases.Case c : ParityCases.read(JvmFixture.parityCases()).cases) {
      rows.add(c.history);
      picks.add(c.picks);
    }
    engine = JvmFixture.engine(spec);
    engine.load(spec);
    recommender =
        Recommender.open(
            new DirectoryModelFiles(JvmFixture.modelDir().toFile()),
            "model.json",
            (files, s) -> JvmFixture.engine(s));
  }

  @Benchmark
  public TopK engine() throws Exception {
    next = (next + 1) % rows.size();
    return engine.recommend(rows.get(next));
  }

  @Benchmark
  public List<Recommendation> sdk() throws Exception {
    next = (next + 1) % picks.size();
    return recommender.recommend(picks.get(next));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
    recommender.close();
  }
}
