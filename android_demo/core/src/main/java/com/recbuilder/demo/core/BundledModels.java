package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Finds the models shipped with the app: every {@code *.json} at the source's root is a sidecar
 * whose {@code model_file} must sit next to it. A broken sidecar becomes an unusable entry with a
 * clear reason rather than an exception, so one bad file does not hide the others.
 */
public final class BundledModels {
  public static final String DEFAULT_SIDECAR = "model.json";
  public static final String PREFERRED_STAGE = "final_int8";

  private BundledModels() {}

  /** All sidecars in name order. An empty list means nothing was exported into the source. */
  public static List<BundledModel> discover(ModelSource source) throws ModelException {
    List<String> names = new ArrayList<>(source.list());
    Collections.sort(names);
    List<BundledModel> out = new ArrayList<>();
    for (String name : names) {
      if (name.endsWith(".json")) {
        out.add(inspect(source, name, names));
      }
    }
    return out;
  }

  /** Loads one sidecar and checks that its model file exists. */
  public static BundledModel inspect(ModelSource source, String sidecarName, List<String> names) {
    try {
      ModelSpec spec = ModelSpec.parse(source.readText(sidecarName), sidecarName);
      if (!names.contains(spec.modelFile())) {
        throw new MissingModelFileException(
            spec.modelFile(), source.describe() + " (named by " + sidecarName + " key 'model_file')");
      }
      return BundledModel.ok(sidecarName, spec, source.size(spec.modelFile()));
    } catch (ModelException e) {
      return BundledModel.failed(sidecarName, e);
    }
  }

  /**
   * The model for the Recommend screen: the usable one whose stage is final_int8, else
   * model.json, else the first usable one.
   *
   * @throws ModelException when there is none, with the reason of the most relevant failure
   */
  public static BundledModel preferred(List<BundledModel> models, ModelSource source)
      throws ModelException {
    BundledModel byName = null;
    BundledModel first = null;
    for (BundledModel m : models) {
      if (!m.isUsable()) {
        continue;
      }
      if (PREFERRED_STAGE.equals(m.spec().stage())) {
        return m;
      }
      if (DEFAULT_SIDECAR.equals(m.sidecarName()) && byName == null) {
        byName = m;
      }
      if (first == null) {
        first = m;
      }
    }
    if (byName != null) {
      return byName;
    }
    if (first != null) {
      return first;
    }
    for (BundledModel m : models) {
      if (DEFAULT_SIDECAR.equals(m.sidecarName())) {
        throw m.error();
      }
    }
    if (!models.isEmpty()) {
      throw models.get(0).error();
    }
    throw new MissingModelFileException(
        DEFAULT_SIDECAR,
        source.describe() + " (export one with: rec-builder export-android RUN_DIR)");
  }
}
