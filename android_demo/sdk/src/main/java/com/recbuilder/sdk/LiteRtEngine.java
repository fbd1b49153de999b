package com.recbuilder.sdk;

import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.ModelContract;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.ObservedModel;
import com.recbuilder.demo.core.TensorInfo;
import com.recbuilder.demo.core.TopK;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.Tensor;

/**
 * The SDK's {@link Engine}: LiteRT's Interpreter (com.google.ai.edge.litert:litert) on a .tflite
 * memory-mapped from {@link ModelFiles} (straight from the APK for assets, hence noCompress
 * "tflite"), run through the signature "recommend".
 */
final class LiteRtEngine implements Engine {
  private final ModelFiles files;
  private final String modelFile;
  private Interpreter interpreter;
  private int[][] history;
  private int[][] topIds;
  private float[][] topScores;
  private final Map<String, Object> inputs = new HashMap<>();
  private final Map<String, Object> outputs = new HashMap<>();

  LiteRtEngine(ModelFiles files, ModelSpec spec) {
    this.files = files;
    this.modelFile = spec.modelFile();
  }

  @Override
  public void load(ModelSpec spec) throws ModelException {
    if (interpreter != null) {
      throw new IllegalStateException("already loaded");
    }
    try {
      interpreter = new Interpreter(files.map(modelFile), new Interpreter.Options());
      ModelContract.check(spec, observe());
    } catch (IllegalArgumentException | IllegalStateException e) {
      close();
      throw new ModelException("LiteRT cannot load " + modelFile + ": " + e.getMessage(), e);
    } catch (ModelException e) {
      close();
      throw e;
    }
    history = new int[1][spec.historyLength()];
    topIds = new int[1][spec.k()];
    topScores = new float[1][spec.k()];
    inputs.put(spec.inputName(), history);
    outputs.put(ModelSpec.TOP_IDS, topIds);
    outputs.put(ModelSpec.TOP_SCORES, topScores);
  }

  private ObservedModel observe() {
    List<String> keys = Arrays.asList(interpreter.getSignatureKeys());
    Map<String, TensorInfo> in = new LinkedHashMap<>();
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    String rec = ModelSpec.RECOMMEND_SIGNATURE;
    if (keys.contains(rec)) {
      for (String name : interpreter.getSignatureInputs(rec)) {
        in.put(name, info(name, interpreter.getInputTensorFromSignature(name, rec)));
      }
      for (String name : interpreter.getSignatureOutputs(rec)) {
        out.put(name, info(name, interpreter.getOutputTensorFromSignature(name, rec)));
      }
    }
    TensorInfo scores = null;
    String sc = ModelSpec.SCORES_SIGNATURE;
    if (keys.contains(sc)
        && Arrays.asList(interpreter.getSignatureOutputs(sc)).contains(ModelSpec.SCORES)) {
      scores = info(ModelSpec.SCORES, interpreter.getOutputTensorFromSignature(ModelSpec.SCORES, sc));
    }
    return new ObservedModel(modelFile, keys, in, out, scores);
  }

  private static TensorInfo info(String name, Tensor tensor) {
    return new TensorInfo(name, tensor.dataType().name().toLowerCase(Locale.ROOT), tensor.shape());
  }

  @Override
  public TopK recommend(int[] row) throws ModelException {
    if (interpreter == null) {
      throw new IllegalStateException("recommend() before a successful load()");
    }
    if (row.length != history[0].length) {
      throw new IllegalArgumentException(
          "history has length " + row.length + ", the model expects " + history[0].length);
    }
    System.arraycopy(row, 0, history[0], 0, row.length);
    try {
      interpreter.runSignature(inputs, outputs, ModelSpec.RECOMMEND_SIGNATURE);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ModelException("LiteRT failed to run " + modelFile + ": " + e.getMessage(), e);
    }
    return new TopK(topIds[0], topScores[0]);
  }

  @Override
  public void close() {
    if (interpreter != null) {
      interpreter.close();
      interpreter = null;
    }
  }
}
