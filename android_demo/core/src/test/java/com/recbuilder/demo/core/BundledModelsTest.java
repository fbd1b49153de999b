package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class BundledModelsTest {

  private static String sidecar(String stage, String modelFile) {
    Map<String, Object> m = Sidecars.valid(3, 10, 3);
    m.put("stage", stage);
    m.put("model_file", modelFile);
    return TestJson.write(m);
  }

  @Test
  public void discoversEverySidecarAndPrefersFinalInt8() throws Exception {
    MapModelSource src =
        new MapModelSource()
            .put("student_fp32.json", sidecar("student_fp32", "student_fp32.tflite"))
            .put("student_fp32.tflite", new byte[400])
            .put("model.json", sidecar("final_int8", "model.tflite"))
            .put("model.tflite", new byte[100])
            .put("notes.txt", "ignored");
    List<BundledModel> models = BundledModels.discover(src);
    assertEquals(2, models.size());
    assertEquals("model.json", models.get(0).sidecarName()); // name order
    assertEquals(100, models.get(0).modelBytes());
    assertEquals(400, models.get(1).modelBytes());
    assertEquals("final_int8", BundledModels.preferred(models, src).spec().stage());
    assertEquals("student_fp32 (student_fp32.tflite)", models.get(1).label());
  }

  @Test
  public void missingTfliteMakesThatModelUnusableWithAClearReason() throws Exception {
    MapModelSource src =
        new MapModelSource()
            .put("model.json", sidecar("final_int8", "model.tflite"))
            .put("student_fp32.json", sidecar("student_fp32", "student_fp32.tflite"))
            .put("student_fp32.tflite", new byte[4]);
    List<BundledModel> models = BundledModels.discover(src);
    BundledModel broken = models.get(0);
    assertFalse(broken.isUsable());
    assertTrue(broken.error() instanceof MissingModelFileException);
    assertEquals(
        "Missing model file 'model.tflite' in test assets (named by model.json key 'model_file')",
        broken.error().getMessage());
    assertTrue(models.get(1).isUsable());
    // The usable one is still found for the Recommend screen.
    assertEquals("student_fp32", BundledModels.preferred(models, src).spec().stage());
  }

  @Test
  public void brokenSidecarReasonIsKeptAndRethrownWhenNothingElseWorks() throws Exception {
    Map<String, Object> m = Sidecars.valid(3, 10, 3);
    Sidecars.child(m, "input").remove("length");
    MapModelSource src =
        new MapModelSource().put("model.json", TestJson.write(m)).put("model.tflite", new byte[1]);
    List<BundledModel> models = BundledModels.discover(src);
    try {
      models.get(0).spec();
      fail();
    } catch (InvalidModelSpecException e) {
      assertEquals("model.json: missing key 'input.length'", e.getMessage());
    }
    try {
      BundledModels.preferred(models, src);
      fail();
    } catch (InvalidModelSpecException e) {
      assertEquals("model.json: missing key 'input.length'", e.getMessage());
    }
  }

  @Test
  public void noModelAtAllTellsHowToExportOne() throws Exception {
    MapModelSource src = new MapModelSource();
    try {
      BundledModels.preferred(BundledModels.discover(src), src);
      fail();
    } catch (MissingModelFileException e) {
      assertEquals(
          "Missing model file 'model.json' in test assets (export one with: rec-builder"
              + " export-android RUN_DIR)",
          e.getMessage());
    }
    assertTrue(BundledModels.discover(src).isEmpty());
    assertEquals(Collections.emptyList(), BundledModels.discover(src));
  }
}
