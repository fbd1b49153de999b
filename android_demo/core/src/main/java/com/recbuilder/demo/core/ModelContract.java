package com.recbuilder.demo.core;

/**
 * Checks a loaded model against its sidecar: signature, tensor names, dtypes, input length L,
 * K and vocabulary size N. Every failure is a {@link ModelMismatchException} that names both
 * files and the key.
 */
public final class ModelContract {
  private ModelContract() {}

  public static void check(ModelSpec spec, ObservedModel model)
      throws ModelMismatchException {
    String m = model.modelName();
    String sidecarName = spec.sourceName();
    if (!model.signatureKeys().contains(ModelSpec.RECOMMEND_SIGNATURE)) {
      throw new ModelMismatchException(
          m + " has no signature '" + ModelSpec.RECOMMEND_SIGNATURE + "' (it has "
              + model.signatureKeys() + "), but " + sidecarName + " key 'signatures' requires it");
    }
    TensorInfo history = model.recommendInputs().get(spec.inputName());
    if (history == null) {
      throw new ModelMismatchException(
          sidecarName + " key 'input.name' is \"" + spec.inputName() + "\" but " + m
              + "'s signature 'recommend' has inputs " + model.recommendInputs().keySet());
    }
    requireDtype(history, "int32", m, sidecarName + " key 'input.dtype'");
    requireBatchOfOne(history, m);
    if (history.lastDim() != spec.historyLength()) {
      throw new ModelMismatchException(
          sidecarName + " key 'input.length' is " + spec.historyLength() + " but " + m
              + "'s input '" + history.name() + "' has shape " + history.shapeString());
    }
    TensorInfo ids = requireOutput(model, ModelSpec.TOP_IDS);
    TensorInfo scores = requireOutput(model, ModelSpec.TOP_SCORES);
    requireDtype(ids, "int32", m, "the model contract");
    requireDtype(scores, "float32", m, "the model contract");
    for (TensorInfo out : new TensorInfo[] {ids, scores}) {
      requireBatchOfOne(out, m);
      if (out.lastDim() != spec.k()) {
        throw new ModelMismatchException(
            sidecarName + " key 'k' is " + spec.k() + " but " + m + "'s output '" + out.name()
                + "' has shape " + out.shapeString());
      }
    }
    TensorInfo full = model.scoresOutput();
    if (full == null) {
      if (spec.declaresScoresSignature()) {
        throw new ModelMismatchException(
            sidecarName + " key 'signatures.scores' lists a 'scores' signature with output"
                + " 'scores' but " + m + " has none (signatures: " + model.signatureKeys() + ")");
      }
      return;
    }
    if (full.rank() != 2 || full.lastDim() != spec.numItems()) {
      throw new ModelMismatchException(
          sidecarName + " key 'num_items' is " + spec.numItems() + " (vocabulary incl. padding)"
              + " but " + m + "'s output 'scores' has shape " + full.shapeString());
    }
  }

  private static TensorInfo requireOutput(ObservedModel model, String name)
      throws ModelMismatchException {
    TensorInfo t = model.recommendOutputs().get(name);
    if (t == null) {
      throw new ModelMismatchException(
          model.modelName() + "'s signature 'recommend' has no output '" + name + "' (outputs: "
              + model.recommendOutputs().keySet() + ")");
    }
    return t;
  }

  private static void requireDtype(TensorInfo t, String dtype, String model, String source)
      throws ModelMismatchException {
    if (!dtype.equals(t.dtype())) {
      throw new ModelMismatchException(
          source + " requires " + dtype + " but " + model + "'s tensor '" + t.name() + "' is "
              + t.dtype());
    }
  }

  private static void requireBatchOfOne(TensorInfo t, String model)
      throws ModelMismatchException {
    int[] shape = t.shape();
    if (shape.length != 2 || (shape[0] != 1 && shape[0] != -1)) {
      throw new ModelMismatchException(
          model + "'s tensor '" + t.name() + "' has shape " + t.shapeString()
              + ", expected [1, n] (the contract is one history per call)");
    }
  }
}
