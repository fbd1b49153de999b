package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an engine found inside a loaded .tflite, in runtime-neutral terms, so that {@link
 * ModelContract} checks every engine the same way.
 */
public final class ObservedModel {
  private final String modelName;
  private final List<String> signatureKeys;
  private final Map<String, TensorInfo> recommendInputs;
  private final Map<String, TensorInfo> recommendOutputs;
  private final TensorInfo scoresOutput;

  /**
   * @param modelName the file name used in messages, e.g. "model.tflite"
   * @param signatureKeys all signature keys in the model
   * @param recommendInputs the {@code recommend} signature's inputs by name (empty if absent)
   * @param recommendOutputs the {@code recommend} signature's outputs by name (empty if absent)
   * @param scoresOutput the {@code scores} output of the {@code scores} signature, or null when
   *     the model has no such signature/output
   */
  public ObservedModel(
      String modelName,
      List<String> signatureKeys,
      Map<String, TensorInfo> recommendInputs,
      Map<String, TensorInfo> recommendOutputs,
      TensorInfo scoresOutput) {
    this.modelName = modelName;
    this.signatureKeys = Collections.unmodifiableList(new ArrayList<>(signatureKeys));
    this.recommendInputs = Collections.unmodifiableMap(new LinkedHashMap<>(recommendInputs));
    this.recommendOutputs = Collections.unmodifiableMap(new LinkedHashMap<>(recommendOutputs));
    this.scoresOutput = scoresOutput;
  }

  public String modelName() {
    return modelName;
  }

  public List<String> signatureKeys() {
    return signatureKeys;
  }

  public Map<String, TensorInfo> recommendInputs() {
    return recommendInputs;
  }

  public Map<String, TensorInfo> recommendOutputs() {
    return recommendOutputs;
  }

  /** May be null. */
  public TensorInfo scoresOutput() {
    return scoresOutput;
  }
}
