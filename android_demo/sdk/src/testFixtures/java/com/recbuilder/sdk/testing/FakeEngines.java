package com.recbuilder.sdk.testing;

import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.ObservedModel;
import com.recbuilder.demo.core.TensorInfo;
import com.recbuilder.sdk.EngineFactory;
import com.recbuilder.sdk.ModelFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link EngineFactory} of {@link RankingFakeEngine}s. By default each "model file" looks
 * exactly like its sidecar says; {@link #withModel} makes one look different (a sidecar that
 * does not match its model).
 */
public final class FakeEngines implements EngineFactory {
  private final Map<String, ObservedModel> models = new HashMap<>();
  private final List<RankingFakeEngine> created = new ArrayList<>();

  /** What the engine will find in {@code modelFile}: a model with input length L, K and N. */
  public FakeEngines withModel(String modelFile, int length, int numItems, int k) {
    models.put(modelFile, observed(modelFile, length, numItems, k));
    return this;
  }

  @Override
  public Engine create(ModelFiles files, ModelSpec spec) {
    ObservedModel m = models.get(spec.modelFile());
    if (m == null) {
      m = observed(spec.modelFile(), spec.historyLength(), spec.numItems(), spec.k());
    }
    RankingFakeEngine engine = new RankingFakeEngine(m);
    created.add(engine);
    return engine;
  }

  public List<RankingFakeEngine> created() {
    return created;
  }

  /** The signatures and tensors a real export has (see DESIGN.md's artifact contract). */
  public static ObservedModel observed(String modelFile, int length, int numItems, int k) {
    Map<String, TensorInfo> in = new LinkedHashMap<>();
    in.put("history", new TensorInfo("history", "int32", new int[] {1, length}));
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    out.put("top_ids", new TensorInfo("top_ids", "int32", new int[] {1, k}));
    out.put("top_scores", new TensorInfo("top_scores", "float32", new int[] {1, k}));
    TensorInfo scores = new TensorInfo("scores", "float32", new int[] {1, numItems});
    return new ObservedModel(modelFile, Arrays.asList("recommend", "scores"), in, out, scores);
  }
}
