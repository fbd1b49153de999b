package com.recbuilder.demo.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import android.widget.Button;
import android.widget.TextView;
import com.recbuilder.sdk.ModelBenchmark;
import com.recbuilder.sdk.testing.RankingFakeEngine;
import com.recbuilder.sdk.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.robolectric.Robolectric;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;
import org.robolectric.shadows.ShadowLog;

/** The Benchmark screen on Robolectric with fake engines: every bundled model, one row each. */
@RunWith(RobolectricTestRunner.class)
@Config(application = FakeDemoApp.class)
public class BenchmarkScreenTest {
  private static final String KEYS = "^RECBENCH model=\\S+ stage=\\S+ size_bytes=4 init_ms=[0-9.]+"
      + " warmup=20 runs=200 mean_us=[0-9.]+ p50_us=[0-9.]+ p90_us=[0-9.]+ p99_us=[0-9.]+$";

  @Rule public TemporaryFolder tmp = new TemporaryFolder();
  private FakeDemoApp app;

  @Before
  public void setUp() throws Exception {
    app = (FakeDemoApp) RuntimeEnvironment.getApplication();
    app.modelDir = tmp.newFolder("assets");
    ShadowLog.clear();
  }

  private BenchmarkActivity runBenchmark() {
    BenchmarkActivity screen = Robolectric.buildActivity(BenchmarkActivity.class).setup().get();
    Screens.settle();
    Button run = Screens.find(screen, Button.class, "Run benchmark");
    run.performClick();
    Screens.settle();
    assertTrue("the button is enabled again when done", run.isEnabled());
    return screen;
  }

  @Test
  public void runsEveryBundledModelAndShowsAndLogsItsPercentiles() throws Exception {
    TestModels.write(app.modelDir, "final_int8", 5, 31, 10);
    TestModels.write(app.modelDir, "student_fp32", 5, 31, 10);
    BenchmarkActivity screen = runBenchmark();

    Screens.find(screen, TextView.class, "Done: 2 of 2 models.");
    String table = Screens.find(screen, TextView.class, "p50 us").getText().toString();
    String[] rows = table.split("\n");
    assertEquals(table, 3, rows.length);
    assertTrue(rows[0], rows[0].matches("stage +size KB +init ms +mean us +p50 us +p90 us +p99 us"));
    assertTrue(rows[1], rows[1].matches("final_int8( +[0-9.]+){6}"));
    assertTrue(rows[2], rows[2].matches("student_fp32( +[0-9.]+){6}"));

    List<String> lines = logLines();
    assertEquals(lines.toString(), 2, lines.size());
    assertTrue(lines.get(0), lines.get(0).matches(KEYS));
    assertTrue(lines.get(0), lines.get(0).startsWith("RECBENCH model=final_int8.tflite stage=final_int8 "));
    assertTrue(lines.get(1), lines.get(1).startsWith("RECBENCH model=student_fp32.tflite stage=student_fp32 "));
    for (RankingFakeEngine engine : app.engines.created()) {
      assertEquals("20 warm-up + 200 timed calls", 220, engine.calls().size());
      assertTrue("each engine is closed after its run", engine.isClosed());
    }
  }

  @Test
  public void aModelThatDoesNotMatchItsSidecarIsReportedAndTheOthersStillRun() throws Exception {
    TestModels.write(app.modelDir, "final_int8", 5, 31, 10);
    TestModels.write(app.modelDir, "student_fp32", 5, 31, 10);
    app.engines.withModel("student_fp32.tflite", 5, 31, 12);
    BenchmarkActivity screen = runBenchmark();

    Screens.find(screen, TextView.class, "Done: 1 of 2 models.");
    String table = Screens.find(screen, TextView.class, "p50 us").getText().toString();
    assertEquals(table, 2, table.split("\n").length);
    Screens.find(
        screen,
        TextView.class,
        "student_fp32.json: student_fp32.json key 'k' is 10 but student_fp32.tflite's output"
            + " 'top_ids' has shape [1, 12]");
    List<String> lines = logLines();
    assertEquals(lines.toString(), 2, lines.size());
    assertTrue(lines.get(0), lines.get(0).matches(KEYS));
    assertTrue(lines.get(1), lines.get(1).startsWith("RECBENCH model=student_fp32.json error=student_fp32.json_key_'k'_is_10_"));
  }

  @Test
  public void noBundledModelIsAMessageNotACrash() throws Exception {
    BenchmarkActivity screen = runBenchmark();
    Screens.find(screen, TextView.class, "No model to benchmark.");
    Screens.find(screen, TextView.class, app.noModelMessage());
    assertEquals(0, logLines().size());
  }

  private static List<String> logLines() {
    List<String> out = new ArrayList<>();
    for (ShadowLog.LogItem item : ShadowLog.getLogsForTag(ModelBenchmark.LOG_TAG)) {
      out.add(item.msg);
    }
    return out;
  }
}
