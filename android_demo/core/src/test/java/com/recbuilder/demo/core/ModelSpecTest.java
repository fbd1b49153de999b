package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.Map;
import org.junit.Test;

public class ModelSpecTest {

  @Test
  public void parsesAValidSidecar() throws Exception {
    ModelSpec spec = Sidecars.spec(20, 300, 10);
    assertEquals("model.json", spec.sourceName());
    assertEquals("final_int8", spec.stage());
    assertEquals("model.tflite", spec.modelFile());
    assertNull(spec.modelSha256());
    assertEquals("history", spec.inputName());
    assertEquals(20, spec.historyLength());
    assertEquals(0, spec.padId());
    assertEquals(10, spec.k());
    assertEquals(300, spec.numItems());
    assertTrue(spec.declaresScoresSignature());
    assertEquals(299, spec.catalog().all().size());
    assertEquals("1042", spec.catalog().get(42).id());
    assertEquals("Movie 42 (1992)", spec.catalog().get(42).title());
    assertEquals(Arrays.asList("Drama"), spec.catalog().get(42).genres());
    assertEquals(Integer.valueOf(299), spec.popular().get(0));
    assertEquals(12345L, spec.declaredTfliteBytes());
  }

  @Test
  public void scoresSignatureAndSizesAreOptional() throws Exception {
    Map<String, Object> m = Sidecars.valid(5, 10, 3);
    Sidecars.child(m, "signatures").remove("scores");
    m.remove("sizes");
    ModelSpec spec = Sidecars.spec(m);
    assertFalse(spec.declaresScoresSignature());
    assertEquals(-1L, spec.declaredTfliteBytes());
  }

  @Test
  public void acceptsTheSpikeSidecarShape() throws Exception {
    // Trimmed copy of the contract example (/tmp/spike_contract_model.json), written by Python.
    String text =
        "{\"schema_version\": 1, \"builder_version\": \"0.1.0\", \"stage\": \"final_int8\","
            + " \"model_file\": \"model.tflite\", \"model_sha256\": null, \"config_hash\": \"spike\","
            + " \"input\": {\"name\": \"history\", \"length\": 20, \"pad_id\": 0, \"dtype\": \"int32\"},"
            + " \"signatures\": {\"recommend\": {\"inputs\": [\"history\"], \"outputs\": [\"top_ids\","
            + " \"top_scores\"]}, \"scores\": {\"inputs\": [\"history\"], \"outputs\": [\"scores\"]}},"
            + " \"k\": 2, \"num_items\": 3, \"items\": [{\"index\": 1, \"id\": \"1001\", \"title\":"
            + " \"Item 1\", \"genres\": [\"Drama\"]}, {\"index\": 2, \"id\": \"1002\", \"title\":"
            + " \"Item 2\", \"genres\": [\"Comedy\", \"Action\"]}], \"popular\": [2, 1],"
            + " \"metrics\": {}, \"sizes\": {\"tflite_bytes\": 48920}}";
    ModelSpec spec = ModelSpec.parse(text, "model.json");
    assertEquals(Arrays.asList("Comedy", "Action"), spec.catalog().get(2).genres());
    assertEquals(Arrays.asList(2, 1), spec.popular());
  }

  @Test
  public void errorsNameTheFileAndTheKey() {
    expectError(m -> m.remove("k"), "model.json: missing key 'k'");
    expectError(m -> Sidecars.child(m, "input").remove("length"), "missing key 'input.length'");
    expectError(m -> Sidecars.child(m, "input").put("length", "20"),
        "key 'input.length' must be a 32-bit integer, got \"20\"");
    expectError(m -> Sidecars.child(m, "input").put("length", 0), "key 'input.length' must be >= 1");
    expectError(m -> Sidecars.child(m, "input").put("length", 20.5),
        "key 'input.length' must be a 32-bit integer, got 20.5");
    expectError(m -> Sidecars.child(m, "input").put("dtype", "int64"),
        "key 'input.dtype' must be \"int32\"");
    expectError(m -> Sidecars.child(m, "input").put("pad_id", 3),
        "key 'input.pad_id' must not be a real item index");
    expectError(m -> m.put("schema_version", 2), "key 'schema_version' is 2 but this app reads schema_version 1");
    expectError(m -> m.put("model_file", "../x.tflite"), "key 'model_file' must be a plain file name");
    expectError(m -> m.put("model_sha256", 5), "key 'model_sha256' must be a string or null");
    expectError(m -> m.put("k", 10), "key 'k' must be in 1..9, got 10");
    expectError(m -> m.put("num_items", 11),
        "key 'items' must have num_items - 1 = 10 entries (indices 1..10), got 9");
    expectError(m -> Sidecars.list(m, "items").remove(3),
        "key 'items' must have num_items - 1 = 9 entries");
  }

  @Test
  public void itemErrorsNameTheElement() {
    expectError(m -> itemAt(m, 4).put("index", 7), "key 'items[4].index' must be 5 (items in index order), got 7");
    expectError(m -> itemAt(m, 0).remove("title"), "missing key 'items[0].title'");
    expectError(m -> itemAt(m, 1).put("genres", "Drama"), "key 'items[1].genres' must be an array");
    expectError(m -> Sidecars.list(itemAt(m, 1), "genres").add(3),
        "key 'items[1].genres[1]' must be a string, got 3");
  }

  @Test
  public void popularErrorsNameTheElement() {
    expectError(m -> Sidecars.list(m, "popular").set(2, 0), "key 'popular[2]' = 0 is not an item index (1..9)");
    expectError(m -> Sidecars.list(m, "popular").set(2, 10), "key 'popular[2]' = 10 is not an item index");
    expectError(m -> Sidecars.list(m, "popular").set(1, 9), "key 'popular[1]' repeats item index 9");
  }

  @Test
  public void signatureErrorsNameTheMissingTensor() {
    expectError(
        m -> Sidecars.list(Sidecars.child(Sidecars.child(m, "signatures"), "recommend"), "outputs").remove(1),
        "key 'signatures.recommend.outputs' must list \"top_scores\"");
    expectError(m -> Sidecars.child(m, "signatures").remove("recommend"), "missing key 'signatures.recommend'");
    expectError(m -> Sidecars.child(m, "input").put("name", "seq"),
        "key 'signatures.recommend.inputs' must list \"seq\"");
  }

  @Test
  public void notJsonIsAClearError() {
    try {
      ModelSpec.parse("{\"schema_version\": 1,}", "student_fp32.json");
      fail();
    } catch (InvalidModelSpecException e) {
      assertTrue(e.getMessage(), e.getMessage().startsWith("student_fp32.json: not valid JSON: "));
    }
    try {
      ModelSpec.parse("[1]", "model.json");
      fail();
    } catch (InvalidModelSpecException e) {
      assertEquals("model.json: the top-level value must be a JSON object, got an array", e.getMessage());
    }
  }

  interface Mutation {
    Object apply(Map<String, Object> sidecar);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> itemAt(Map<String, Object> m, int i) {
    return (Map<String, Object>) Sidecars.list(m, "items").get(i);
  }

  /** Applies one mutation to a valid sidecar (L=5, N=10, K=3) and expects that message. */
  private static void expectError(Mutation mutation, String expected) {
    Map<String, Object> m = Sidecars.valid(5, 10, 3);
    mutation.apply(m);
    try {
      Sidecars.spec(m);
      fail("no error, expected: " + expected);
    } catch (InvalidModelSpecException e) {
      assertTrue("message was: " + e.getMessage(), e.getMessage().contains(expected));
      assertTrue(e.getMessage(), e.getMessage().startsWith("model.json: "));
    }
  }
}
