package com.recbuilder.demo.app;

import android.app.Activity;
import android.graphics.Typeface;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.util.Log;
import android.view.View;
import android.widget.Button;
import android.widget.HorizontalScrollView;
import android.widget.LinearLayout;
import android.widget.TextView;
import com.recbuilder.demo.core.BenchmarkResult;
import com.recbuilder.demo.core.BenchmarkRunner;
import com.recbuilder.demo.core.BenchmarkTable;
import com.recbuilder.demo.core.BundledModel;
import com.recbuilder.demo.core.BundledModels;
import com.recbuilder.demo.core.HistorySampler;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Benchmark screen: every bundled model (final int8, fp32 student, ...) side by side: size,
 * init time, then {@value #RUNS} timed {@code recommend} calls after {@value #WARMUP} warm-ups.
 * Each model also logs one line, e.g. {@code adb logcat -s RecBench}:
 * {@code RECBENCH model=model.tflite stage=final_int8 size_bytes=... init_ms=... p50_us=...}.
 */
public final class BenchmarkActivity extends Activity {
  static final String TAG = "RecBench";
  static final int WARMUP = 20;
  static final int RUNS = 200;
  static final int HISTORIES = 64;
  static final long SEED = 42L;

  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private final Handler main = new Handler(Looper.getMainLooper());
  private Button run;
  private TextView status;
  private TextView table;
  private TextView errors;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    LinearLayout root = Ui.column(this);
    TextView title = Ui.text(this, 18, true);
    title.setText("On-device benchmark");
    TextView about = Ui.text(this, 14, false);
    about.setText(
        "Per model: init (load + contract check), " + WARMUP + " warm-up and " + RUNS
            + " timed recommend() calls on " + HISTORIES + " synthetic histories (seed " + SEED
            + "). Latencies in microseconds.");
    run = new Button(this);
    run.setText("Run benchmark");
    run.setOnClickListener(v -> start());
    status = Ui.text(this, 14, false);
    table = Ui.text(this, 13, false);
    table.setTypeface(Typeface.MONOSPACE);
    HorizontalScrollView scroll = new HorizontalScrollView(this);
    scroll.addView(table);
    errors = Ui.errorBox(this);
    root.addView(title);
    root.addView(about);
    root.addView(run);
    root.addView(status);
    root.addView(scroll);
    root.addView(errors);
    setContentView(root);
  }

  private void start() {
    run.setEnabled(false);
    errors.setVisibility(View.GONE);
    status.setText("Running…");
    worker.execute(this::runAll);
  }

  /** Worker thread. */
  private void runAll() {
    List<BenchmarkResult> results = new ArrayList<>();
    StringBuilder problems = new StringBuilder();
    try {
      AssetModelSource source = new AssetModelSource(getAssets());
      List<BundledModel> models = BundledModels.discover(source);
      if (models.isEmpty()) {
        BundledModels.preferred(models, source); // throws the "export a model" message
      }
      BenchmarkRunner runner = new BenchmarkRunner(Ticker.SYSTEM, WARMUP, RUNS);
      for (BundledModel model : models) {
        publish(results, "Benchmarking " + model.label() + "…", problems);
        try {
          ModelSpec spec = model.spec();
          LiteRtEngine engine = new LiteRtEngine(getAssets(), spec.modelFile());
          try {
            BenchmarkResult r =
                runner.run(
                    spec.modelFile(),
                    model.modelBytes(),
                    spec,
                    engine,
                    HistorySampler.sample(spec, HISTORIES, SEED));
            Log.i(TAG, r.toLogLine());
            results.add(r);
          } finally {
            engine.close();
          }
        } catch (ModelException e) {
          Log.w(TAG, BenchmarkResult.errorLogLine(model.sidecarName(), e.getMessage()));
          problems.append(model.sidecarName()).append(": ").append(e.getMessage()).append('\n');
        }
      }
      publish(results, "Done: " + results.size() + " of " + models.size() + " models.", problems);
    } catch (ModelException e) {
      problems.append(e.getMessage());
      publish(results, "No model to benchmark.", problems);
    } catch (RuntimeException e) {
      Log.e(TAG, "benchmark failed", e);
      problems.append("Unexpected error: ").append(e);
      publish(results, "Stopped.", problems);
    }
  }

  private void publish(List<BenchmarkResult> results, String message, StringBuilder problems) {
    final String text = BenchmarkTable.format(new ArrayList<>(results));
    final String problemText = problems.toString();
    final boolean finished = !message.endsWith("…");
    main.post(
        () -> {
          status.setText(message);
          table.setText(text);
          if (!problemText.isEmpty()) {
            Ui.showError(errors, problemText);
          }
          run.setEnabled(finished);
        });
  }

  @Override
  protected void onDestroy() {
    worker.shutdownNow();
    super.onDestroy();
  }
}
