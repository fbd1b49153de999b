package com.recbuilder.demo.core;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Test;

public class ModelContractTest {
  private static final int L = 20;
  private static final int N = 300;
  private static final int K = 10;

  private static ObservedModel model(int length, int k, int n, String idsDtype, boolean scores) {
    Map<String, TensorInfo> in = new LinkedHashMap<>();
    in.put("history", new TensorInfo("history", "int32", new int[] {1, length}));
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    out.put("top_ids", new TensorInfo("top_ids", idsDtype, new int[] {1, k}));
    out.put("top_scores", new TensorInfo("top_scores", "float32", new int[] {1, k}));
    return new ObservedModel(
        "model.tflite",
        scores ? Arrays.asList("recommend", "scores") : Arrays.asList("recommend"),
        in,
        out,
        scores ? new TensorInfo("scores", "float32", new int[] {-1, n}) : null);
  }

  @Test
  public void matchingModelPasses() throws Exception {
    ModelContract.check(Sidecars.spec(L, N, K), model(L, K, N, "int32", true));
  }

  @Test
  public void inputLengthMismatchNamesTheKey() throws Exception {
    expect(Sidecars.spec(L, N, K), model(30, K, N, "int32", true),
        "model.json key 'input.length' is 20 but model.tflite's input 'history' has shape [1, 30]");
  }

  @Test
  public void vocabularyMismatchNamesTheKey() throws Exception {
    expect(Sidecars.spec(L, N, K), model(L, K, 1683, "int32", true),
        "model.json key 'num_items' is 300 (vocabulary incl. padding) but model.tflite's output"
            + " 'scores' has shape [-1, 1683]");
  }

  @Test
  public void kMismatchNamesTheKey() throws Exception {
    expect(Sidecars.spec(L, N, K), model(L, 20, N, "int32", true),
        "model.json key 'k' is 10 but model.tflite's output 'top_ids' has shape [1, 20]");
  }

  @Test
  public void missingSignaturesAreErrors() throws Exception {
    ObservedModel noRecommend =
        new ObservedModel(
            "model.tflite",
            Arrays.asList("serving_default"),
            new LinkedHashMap<String, TensorInfo>(),
            new LinkedHashMap<String, TensorInfo>(),
            null);
    expect(Sidecars.spec(L, N, K), noRecommend,
        "model.tflite has no signature 'recommend' (it has [serving_default])");
    expect(Sidecars.spec(L, N, K), model(L, K, N, "int32", false),
        "model.json key 'signatures.scores' lists a 'scores' signature");
  }

  @Test
  public void scoresSignatureIsOptionalWhenTheSidecarDoesNotListIt() throws Exception {
    Map<String, Object> m = Sidecars.valid(L, N, K);
    Sidecars.child(m, "signatures").remove("scores");
    ModelContract.check(Sidecars.spec(m), model(L, K, N, "int32", false));
  }

  @Test
  public void wrongDtypeIsAnError() throws Exception {
    expect(Sidecars.spec(L, N, K), model(L, K, N, "int64", true),
        "requires int32 but model.tflite's tensor 'top_ids' is int64");
  }

  @Test
  public void batchedSignatureIsAnError() throws Exception {
    Map<String, TensorInfo> in = new LinkedHashMap<>();
    in.put("history", new TensorInfo("history", "int32", new int[] {4, L}));
    ObservedModel m =
        new ObservedModel("model.tflite", Arrays.asList("recommend"), in,
            model(L, K, N, "int32", true).recommendOutputs(), null);
    Map<String, Object> sidecar = Sidecars.valid(L, N, K);
    Sidecars.child(sidecar, "signatures").remove("scores");
    expect(Sidecars.spec(sidecar), m, "tensor 'history' has shape [4, 20], expected [1, n]");
  }

  private static void expect(ModelSpec spec, ObservedModel model, String message) {
    try {
      ModelContract.check(spec, model);
      fail("no error, expected: " + message);
    } catch (ModelMismatchException e) {
      assertTrue("message was: " + e.getMessage(), e.getMessage().contains(message));
    }
  }
}
