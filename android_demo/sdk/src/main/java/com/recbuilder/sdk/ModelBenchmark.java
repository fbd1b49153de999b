package com.recbuilder.sdk;

import android.content.Context;
import android.util.Log;
import com.recbuilder.demo.core.BenchmarkResult;
import com.recbuilder.demo.core.BenchmarkRunner;
import com.recbuilder.demo.core.BundledModel;
import com.recbuilder.demo.core.BundledModels;
import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.HistorySampler;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.Ticker;
import java.util.ArrayList;
import java.util.List;

/**
 * The on-device benchmark: every model in a {@link ModelFiles} (each sidecar with its .tflite),
 * one after the other: init (load + contract check), warm-up, timed {@code recommend} calls.
 * Each model logs one parseable line under the tag {@value #LOG_TAG} ({@code adb logcat -s
 * RecBench}), e.g. {@code RECBENCH model=final_int8.tflite stage=final_int8 ... p50_us=...}. A
 * model that fails is reported and logged with its reason; the others still run. Blocks: call it
 * off the main thread.
 */
public final class ModelBenchmark {
  public static final String LOG_TAG = "RecBench";

  /** Progress callbacks, on the benchmarking thread. */
  public interface Listener {
    void onModelStarted(BundledModel model);

    void onModelFinished(BenchmarkOutcome outcome);
  }

  private static final Listener SILENT =
      new Listener() {
        @Override
        public void onModelStarted(BundledModel model) {}

        @Override
        public void onModelFinished(BenchmarkOutcome outcome) {}
      };

  private ModelBenchmark() {}

  /** Every model in the APK's assets on LiteRT, with the Benchmark screen's settings. */
  public static List<BenchmarkOutcome> runAssets(Context context) throws ModelException {
    return run(
        new AssetModelFiles(context.getAssets()),
        EngineFactory.liteRt(),
        BenchmarkSettings.DEFAULT,
        SILENT);
  }

  /**
   * Benchmarks every sidecar in {@code files}, in name order.
   *
   * @throws ModelException when there is no model at all (the message says how to add one)
   */
  public static List<BenchmarkOutcome> run(
      ModelFiles files, EngineFactory engines, BenchmarkSettings settings, Listener listener)
      throws ModelException {
    List<BundledModel> models = BundledModels.discover(files);
    if (models.isEmpty()) {
      BundledModels.preferred(models, files); // throws the "export a model" message
    }
    BenchmarkRunner runner =
        new BenchmarkRunner(Ticker.SYSTEM, settings.warmupRuns(), settings.timedRuns());
    List<BenchmarkOutcome> outcomes = new ArrayList<>();
    for (BundledModel model : models) {
      listener.onModelStarted(model);
      BenchmarkOutcome outcome = measure(files, engines, settings, runner, model);
      if (outcome.isMeasured()) {
        Log.i(LOG_TAG, outcome.logLine());
      } else {
        Log.w(LOG_TAG, outcome.logLine());
      }
      outcomes.add(outcome);
      listener.onModelFinished(outcome);
    }
    return outcomes;
  }

  private static BenchmarkOutcome measure(
      ModelFiles files,
      EngineFactory engines,
      BenchmarkSettings settings,
      BenchmarkRunner runner,
      BundledModel model) {
    try {
      ModelSpec spec = model.spec();
      Engine engine = engines.create(files, spec);
      try {
        BenchmarkResult r =
            runner.run(
                spec.modelFile(),
                model.modelBytes(),
                spec,
                engine,
                HistorySampler.sample(spec, settings.histories(), settings.seed()));
        return BenchmarkOutcome.measured(model.sidecarName(), r);
      } finally {
        engine.close();
      }
    } catch (ModelException e) {
      return BenchmarkOutcome.failed(model.sidecarName(), e.getMessage());
    } catch (RuntimeException e) {
      Log.e(LOG_TAG, "benchmark of " + model.sidecarName() + " failed", e);
      return BenchmarkOutcome.failed(model.sidecarName(), "Unexpected error: " + e);
    }
  }
}
