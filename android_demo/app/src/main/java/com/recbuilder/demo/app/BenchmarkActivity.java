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
import com.recbuilder.demo.core.BenchmarkTable;
import com.recbuilder.demo.core.BundledModel;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.sdk.BenchmarkOutcome;
import com.recbuilder.sdk.BenchmarkSettings;
import com.recbuilder.sdk.ModelBenchmark;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * The Benchmark screen: every bundled model (final int8, fp32 student, ...) side by side: size,
 * init time, then timed {@code recommend} calls after warm-ups ({@link BenchmarkSettings#DEFAULT}),
 * run by the sdk's {@link ModelBenchmark}, which also logs one line per model, e.g. {@code adb
 * logcat -s RecBench}: {@code RECBENCH model=model.tflite stage=final_int8 ... p50_us=...}.
 */
public final class BenchmarkActivity extends Activity {
  private static final BenchmarkSettings SETTINGS = BenchmarkSettings.DEFAULT;

  private ExecutorService worker;
  private final Handler main = new Handler(Looper.getMainLooper());
  private Button run;
  private TextView status;
  private TextView table;
  private TextView errors;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    worker = ((DemoApp) getApplication()).newWorker();
    LinearLayout root = Ui.column(this);
    TextView title = Ui.text(this, 18, true);
    title.setText("On-device benchmark");
    TextView about = Ui.text(this, 14, false);
    about.setText(
        "Per model: init (load + contract check), " + SETTINGS.warmupRuns() + " warm-up and "
            + SETTINGS.timedRuns() + " timed recommend() calls on " + SETTINGS.histories()
            + " synthetic histories (seed " + SETTINGS.seed() + "). Latencies in microseconds.");
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
    DemoApp app = (DemoApp) getApplication();
    try {
      List<BenchmarkOutcome> outcomes =
          ModelBenchmark.run(
              app.modelFiles(),
              app.engines(),
              SETTINGS,
              new ModelBenchmark.Listener() {
                @Override
                public void onModelStarted(BundledModel model) {
                  publish(results, "Benchmarking " + model.label() + "…", problems);
                }

                @Override
                public void onModelFinished(BenchmarkOutcome outcome) {
                  if (outcome.isMeasured()) {
                    results.add(outcome.result());
                  } else {
                    problems.append(outcome.sidecarName()).append(": ").append(outcome.error())
                        .append('\n');
                  }
                }
              });
      publish(results, "Done: " + results.size() + " of " + outcomes.size() + " models.", problems);
    } catch (ModelException e) {
      problems.append(e.getMessage());
      publish(results, "No model to benchmark.", problems);
    } catch (RuntimeException e) {
      Log.e(ModelBenchmark.LOG_TAG, "benchmark failed", e);
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
