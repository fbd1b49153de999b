package com.recbuilder.sdk;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelMismatchException;
import com.recbuilder.demo.core.Recommendation;
import com.recbuilder.demo.core.Recommendations;
import com.recbuilder.sdk.testing.FakeEngines;
import com.recbuilder.sdk.testing.RankingFakeEngine;
import com.recbuilder.sdk.testing.TestModels;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;

/** The public API on a model directory, with a fake engine (N=31 incl. padding, L=5, K=10). */
@RunWith(RobolectricTestRunner.class)
public class RecommenderTest {
  private static final int L = 5;
  private static final int N = 31;
  private static final int K = 10;

  @Rule public TemporaryFolder tmp = new TemporaryFolder();
  private File dir;
  private FakeEngines engines;

  @Before
  public void setUp() throws Exception {
    dir = tmp.newFolder("models");
    engines = new FakeEngines();
  }

  @Test
  public void recommendsTheEnginesTopKWithoutTheHistory() throws Exception {
    TestModels.write(dir, "final_int8", "model.json", L, N, K);
    try (Recommender rec = Recommender.open(new DirectoryModelFiles(dir), "model.json", engines)) {
      // The fake ranks 6..15 after item 5; 6 and 7 are in the history and must not come back.
      List<Recommendation> top = rec.recommend(Arrays.asList(6, 7, 5));
      assertEquals(Arrays.asList(8, 9, 10, 11, 12, 13, 14, 15), indices(top));
      assertEquals("Movie 8", top.get(0).item().title());
      assertEquals(0.7f, top.get(0).score(), 1e-6f);
      assertEquals(
          "history is encoded most recent last, left-padded",
          Arrays.asList(0, 0, 6, 7, 5),
          boxed(engines.created().get(0).calls().get(0)));
    }
    assertTrue(engines.created().get(0).isClosed());
  }

  @Test
  public void emptyHistoryIsTheSidecarsPopularList() throws Exception {
    TestModels.write(dir, "final_int8", "model.json", L, N, K);
    try (Recommender rec = Recommender.open(new DirectoryModelFiles(dir), "model.json", engines)) {
      Recommendations r = rec.recommendations(Collections.<Integer>emptyList());
      assertTrue(r.isColdStart());
      assertEquals(Arrays.asList(30, 29, 28, 27, 26, 25, 24, 23, 22, 21), r.indices());
      assertFalse(r.items().get(0).hasScore());
      assertTrue(engines.created().get(0).calls().isEmpty());
    }
  }

  @Test
  public void mapsOriginalItemIdsToModelIndicesDroppingUnknownOnes() throws Exception {
    TestModels.write(dir, "final_int8", "model.json", L, N, K);
    try (Recommender rec = Recommender.open(new DirectoryModelFiles(dir), "model.json", engines)) {
      assertEquals(Arrays.asList(3, 30), rec.indicesOf(Arrays.asList("m3", "nope", "m30")));
      assertEquals(RankingFakeEngine.ranking(30, N, K), indices(rec.recommend(rec.indicesOf(
          Collections.singletonList("m30")))));
    }
  }

  @Test
  public void openPreferredTakesTheFinalInt8Model() throws Exception {
    TestModels.write(dir, "student_fp32", L, N, K);
    TestModels.write(dir, "final_int8", L, N, K);
    try (Recommender rec = Recommender.openPreferred(new DirectoryModelFiles(dir), engines)) {
      assertEquals("final_int8.json", rec.sidecarName());
      assertEquals(4, rec.modelBytes());
    }
  }

  @Test
  public void aSidecarThatDoesNotMatchItsModelIsRefusedAndTheEngineClosed() throws Exception {
    TestModels.write(dir, "final_int8", "model.json", L + 1, N, K);
    engines.withModel("model.tflite", L, N, K);
    try {
      Recommender.open(new DirectoryModelFiles(dir), "model.json", engines);
      fail("expected a mismatch");
    } catch (ModelMismatchException e) {
      assertEquals(
          "model.json key 'input.length' is 6 but model.tflite's input 'history' has shape [1, 5]",
          e.getMessage());
    }
    assertTrue(engines.created().get(0).isClosed());
  }

  @Test
  public void aMissingSidecarOrModelFileIsNamed() throws Exception {
    try {
      Recommender.open(new DirectoryModelFiles(dir), "model.json", engines);
      fail("expected a missing file");
    } catch (MissingModelFileException e) {
      assertEquals("model.json", e.fileName());
      assertTrue(e.getMessage(), e.getMessage().contains(dir.getPath()));
    }
    TestModels.write(dir, "final_int8", "model.json", L, N, K);
    assertTrue(new File(dir, "model.tflite").delete());
    try {
      Recommender.open(new DirectoryModelFiles(dir), "model.json", engines);
      fail("expected a missing file");
    } catch (MissingModelFileException e) {
      assertEquals(
          "Missing model file 'model.tflite' in " + dir.getPath()
              + " (named by model.json key 'model_file')",
          e.getMessage());
    }
    assertTrue(engines.created().isEmpty());
  }

  private static List<Integer> indices(List<Recommendation> recs) {
    List<Integer> out = new ArrayList<>();
    for (Recommendation r : recs) {
      out.add(r.item().index());
    }
    return out;
  }

  private static List<Integer> boxed(int[] row) {
    List<Integer> out = new ArrayList<>();
    for (int v : row) {
      out.add(v);
    }
    return out;
  }
}
