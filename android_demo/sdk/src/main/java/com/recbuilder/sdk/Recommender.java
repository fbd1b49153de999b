package com.recbuilder.sdk;

import android.content.Context;
import com.recbuilder.demo.core.BundledModel;
import com.recbuilder.demo.core.BundledModels;
import com.recbuilder.demo.core.Catalog;
import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.HistoryRecommender;
import com.recbuilder.demo.core.Item;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.Recommendation;
import com.recbuilder.demo.core.Recommendations;
import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SDK's entry point: one model (a .tflite + its model.json sidecar, checked against each
 * other on open) and its recommendations.
 *
 * <pre>{@code
 * try (Recommender rec = Recommender.fromAssets(context, "model.json")) {
 *   List<Recommendation> top = rec.recommend(history); // model indices, oldest first
 * }
 * }</pre>
 *
 * <p>Opening maps the model and builds the interpreter: do it off the main thread. A recommender
 * is not thread-safe; use it from one thread (e.g. a single-thread executor).
 */
public final class Recommender implements AutoCloseable {
  private final String sidecarName;
  private final long modelBytes;
  private final ModelSpec spec;
  private final Engine engine;
  private final HistoryRecommender logic;
  private Map<String, Integer> indexById; // built on first use

  private Recommender(BundledModel model, ModelSpec spec, Engine engine) {
    this.sidecarName = model.sidecarName();
    this.modelBytes = model.modelBytes();
    this.spec = spec;
    this.engine = engine;
    this.logic = new HistoryRecommender(spec, engine);
  }

  /** The model described by {@code sidecarName} (e.g. "model.json") in the APK's assets, on LiteRT. */
  public static Recommender fromAssets(Context context, String sidecarName) throws ModelException {
    return open(new AssetModelFiles(context.getAssets()), sidecarName, EngineFactory.liteRt());
  }

  /**
   * The preferred model in the APK's assets (stage final_int8, else model.json, else the first
   * usable sidecar), on LiteRT.
   */
  public static Recommender fromBundledAssets(Context context) throws ModelException {
    return openPreferred(new AssetModelFiles(context.getAssets()), EngineFactory.liteRt());
  }

  /** The model described by {@code sidecarName} in a directory (e.g. a downloaded model), on LiteRT. */
  public static Recommender fromDirectory(File dir, String sidecarName) throws ModelException {
    return open(new DirectoryModelFiles(dir), sidecarName, EngineFactory.liteRt());
  }

  /** The model described by {@code sidecarName} in {@code files}, run by {@code engines}. */
  public static Recommender open(ModelFiles files, String sidecarName, EngineFactory engines)
      throws ModelException {
    return load(files, BundledModels.inspect(files, sidecarName, files.list()), engines);
  }

  /** The preferred model in {@code files} (see {@link #fromBundledAssets}), run by {@code engines}. */
  public static Recommender openPreferred(ModelFiles files, EngineFactory engines)
      throws ModelException {
    return load(files, BundledModels.preferred(BundledModels.discover(files), files), engines);
  }

  private static Recommender load(ModelFiles files, BundledModel model, EngineFactory engines)
      throws ModelException {
    ModelSpec spec = model.spec(); // throws the reason an unusable sidecar cannot be used
    Engine engine = engines.create(files, spec);
    try {
      engine.load(spec);
    } catch (ModelException | RuntimeException e) {
      engine.close();
      throw e;
    }
    return new Recommender(model, spec, engine);
  }

  /**
   * The top-K items for a history of model indices (oldest first): never padding, never an item
   * of the history; the sidecar's popular items when the history has no known item.
   */
  public List<Recommendation> recommend(List<Integer> history) throws ModelException {
    return recommendations(history).items();
  }

  /** As {@link #recommend}, and whether the list is the cold-start popularity list. */
  public Recommendations recommendations(List<Integer> history) throws ModelException {
    return logic.recommend(history);
  }

  /** Model indices of the given original item ids (as in the interaction data); unknown ids are dropped. */
  public List<Integer> indicesOf(List<String> itemIds) {
    if (indexById == null) {
      Map<String, Integer> byId = new HashMap<>();
      for (Item item : spec.catalog().all()) {
        byId.put(item.id(), item.index());
      }
      indexById = byId;
    }
    List<Integer> out = new ArrayList<>(itemIds.size());
    for (String id : itemIds) {
      Integer index = indexById.get(id);
      if (index != null) {
        out.add(index);
      }
    }
    return out;
  }

  /** The vocabulary: titles, original ids, search. */
  public Catalog catalog() {
    return spec.catalog();
  }

  public ModelSpec spec() {
    return spec;
  }

  public String sidecarName() {
    return sidecarName;
  }

  /** Size of the .tflite in bytes. */
  public long modelBytes() {
    return modelBytes;
  }

  /** Releases the interpreter; safe to call more than once. */
  @Override
  public void close() {
    engine.close();
  }
}
