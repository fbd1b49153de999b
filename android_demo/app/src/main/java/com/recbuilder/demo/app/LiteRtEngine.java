package com.recbuilder.demo.app;

import android.content.res.AssetFileDescriptor;
import android.content.res.AssetManager;
import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelContract;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.ObservedModel;
import com.recbuilder.demo.core.TensorInfo;
import com.recbuilder.demo.core.TopK;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.Tensor;

/**
 * The app's {@link Engine}: LiteRT's Interpreter (com.google.ai.edge.litert:litert) on a .tflite
 * memory-mapped straight from the APK (hence noCompress "tflite"), run through the signature
 * "recommend".
 */
final class LiteRtEngine implements Engine {
  private final AssetManager assets;
  private final String assetName;
  private Interpreter interpreter;
  private int[][] history;
  private int[][] topIds;
  private float[][] topScores;
  private final Map<String, Object> inputs = new HashMap<>();
  private final Map<String, Object> outputs = new HashMap<>();

  LiteRtEngine(AssetManager assets, String assetName) {
    this.assets = assets;
    this.assetName = assetName;
  }

  @Override
  public void load(ModelSpec spec) throws ModelException {
    if (interpreter != null) {
      throw new IllegalStateException("already loaded");
    }
    try {
      interpreter = new Interpreter(map(), new Interpreter.Options());
      ModelContract.check(spec, observe());
    } catch (IllegalArgumentException | IllegalStateException e) {
      close();
      throw new ModelException("LiteRT cannot load " + assetName + ": " + e.getMessage(), e);
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

  private MappedByteBuffer map() throws ModelException {
    try (AssetFileDescriptor fd = assets.openFd(assetName);
        FileInputStream in = new FileInputStream(fd.getFileDescriptor())) {
      return in.getChannel()
          .map(FileChannel.MapMode.READ_ONLY, fd.getStartOffset(), fd.getDeclaredLength());
    } catch (FileNotFoundException e) {
      if (exists()) {
        throw new ModelException(
            assetName + " is stored compressed in the APK and cannot be memory-mapped: add"
                + " androidResources { noCompress += \"tflite\" } to app/build.gradle.kts");
      }
      throw new MissingModelFileException(assetName, "app assets (app/src/main/assets)");
    } catch (IOException e) {
      throw new ModelException("Cannot map " + assetName + ": " + e.getMessage(), e);
    }
  }

  private boolean exists() {
    try {
      String[] names = assets.list("");
      return names != null && Arrays.asList(names).contains(assetName);
    } catch (IOException e) {
      return false;
    }
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
    return new ObservedModel(assetName, keys, in, out, scores);
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
      throw new ModelException("LiteRT failed to run " + assetName + ": " + e.getMessage(), e);
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
