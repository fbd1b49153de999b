package com.recbuilder.demo.jvm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.recbuilder.demo.core.HistoryEncoder;
import com.recbuilder.demo.core.Json;
import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelMismatchException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.Recommendation;
import com.recbuilder.demo.core.Recommendations;
import com.recbuilder.demo.core.HistoryRecommender;
import com.recbuilder.demo.core.TestJson;
import com.recbuilder.demo.core.TopK;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

/**
 * The same .tflite on the real LiteRT runtime from Java (JNA -> libLiteRt C API) gives the same
 * answers as the Python LiteRT interpreter, on every recorded history.
 */
public class LiteRtParityTest {
  static final int MIN_CASES = 200;
  static final double SCORE_TOLERANCE = 1e-6;

  @Test
  public void javaEngineMatchesPythonLiteRtOnEveryHistory() throws Exception {
    ModelSpec spec = JvmFixture.spec();
    ParityCases recorded = ParityCases.read(JvmFixture.parityCases());
    Path model = JvmFixture.modelDir().resolve(spec.modelFile());
    assertEquals("parity cases were recorded from another .tflite", recorded.modelSha256, sha256(model));
    assertTrue(
        "need >= " + MIN_CASES + " histories, got " + recorded.cases.size(),
        recorded.cases.size() >= MIN_CASES);

    HistoryEncoder encoder = HistoryEncoder.forSpec(spec);
    List<String> problems = new ArrayList<>();
    int identicalIds = 0;
    double maxDiff = 0;
    try (JnaLiteRtEngine engine = JvmFixture.engine(spec)) {
      engine.load(spec);
      for (int i = 0; i < recorded.cases.size(); i++) {
        ParityCases.Case c = recorded.cases.get(i);
        int[] history = encoder.encode(c.picks);
        if (!Arrays.equals(history, c.history)) {
          problems.add("case " + i + ": Java encodes " + c.picks + " as " + Arrays.toString(history)
              + ", Python as " + Arrays.toString(c.history));
          continue;
        }
        TopK got = engine.recommend(history);
        if (Arrays.equals(got.ids(), c.topIds)) {
          identicalIds++;
        } else {
          problems.add("case " + i + ": top_ids " + Arrays.toString(got.ids()) + " != Python "
              + Arrays.toString(c.topIds));
        }
        for (int j = 0; j < c.topScores.length; j++) {
          double diff = Math.abs((double) got.score(j) - c.topScores[j]);
          maxDiff = Math.max(maxDiff, diff);
          if (!(diff <= SCORE_TOLERANCE)) {
            problems.add("case " + i + ": top_scores[" + j + "] " + got.score(j) + " vs Python "
                + c.topScores[j]);
          }
        }
      }
    }
    System.out.println(
        "PARITY histories=" + recorded.cases.size() + " ids_identical=" + identicalIds
            + " max_abs_score_diff=" + maxDiff + " tolerance=" + SCORE_TOLERANCE
            + " runtime=host_JVM_JNA_libLiteRt_C_API");
    if (!problems.isEmpty()) {
      fail(problems.size() + " parity problems, first: " + problems.subList(0, Math.min(5, problems.size())));
    }
  }

  @Test
  public void recommenderOnTheRealModelNeverReturnsPicksOrPadding() throws Exception {
    ModelSpec spec = JvmFixture.spec();
    try (JnaLiteRtEngine engine = JvmFixture.engine(spec)) {
      engine.load(spec);
      HistoryRecommender recommender = new HistoryRecommender(spec, engine);
      List<Integer> picks = Arrays.asList(1, 2, 3, spec.numItems() - 1);
      Recommendations r = recommender.recommend(picks);
      assertTrue(!r.isColdStart());
      Set<Integer> seen = new HashSet<>();
      for (Recommendation rec : r.items()) {
        int index = rec.item().index();
        assertTrue(index >= 1 && index < spec.numItems());
        assertTrue("recommended a pick: " + index, !picks.contains(index));
        assertTrue("duplicate: " + index, seen.add(index));
        assertTrue(rec.hasScore());
        assertTrue(!rec.item().title().isEmpty());
      }
      assertTrue(r.items().size() <= spec.k());
      Recommendations cold = recommender.recommend(new ArrayList<Integer>());
      assertTrue(cold.isColdStart());
      assertEquals(spec.popular().subList(0, Math.min(spec.k(), spec.popular().size())), cold.indices());
    }
  }

  @Test
  public void sidecarThatDoesNotMatchTheModelIsAClearError() throws Exception {
    Map<String, Object> real = realSidecar();
    int length = ((Long) child(real, "input").get("length")).intValue();
    int k = ((Long) real.get("k")).intValue();
    int numItems = ((Long) real.get("num_items")).intValue();

    Map<String, Object> wrongLength = realSidecar();
    child(wrongLength, "input").put("length", (long) length + 1);
    expectMismatch(wrongLength, "model.json key 'input.length' is " + (length + 1) + " but ");

    Map<String, Object> wrongK = realSidecar();
    wrongK.put("k", (long) k + 1);
    expectMismatch(wrongK, "model.json key 'k' is " + (k + 1) + " but ");

    Map<String, Object> wrongVocab = realSidecar();
    wrongVocab.put("num_items", (long) numItems - 1);
    list(wrongVocab, "items").remove(numItems - 2);
    list(wrongVocab, "popular").remove(Long.valueOf(numItems - 1));
    expectMismatch(wrongVocab, "model.json key 'num_items' is " + (numItems - 1) + " (vocabulary");
  }

  @Test
  public void missingModelFileIsAClearError() throws Exception {
    ModelSpec spec = JvmFixture.spec();
    try (JnaLiteRtEngine engine =
        new JnaLiteRtEngine(JvmFixture.LibraryHolder.C, JvmFixture.modelDir().resolve("nope.tflite"))) {
      engine.load(spec);
      fail();
    } catch (MissingModelFileException e) {
      assertEquals("nope.tflite", e.fileName());
      assertTrue(e.getMessage(), e.getMessage().startsWith("Missing model file 'nope.tflite' in "));
    }
  }

  private static void expectMismatch(Map<String, Object> sidecar, String message) throws Exception {
    ModelSpec spec = ModelSpec.parse(TestJson.write(sidecar), "model.json");
    try (JnaLiteRtEngine engine = JvmFixture.engine(spec)) {
      engine.load(spec);
      fail("loaded despite: " + message);
    } catch (ModelMismatchException e) {
      System.out.println("MISMATCH (expected): " + e.getMessage());
      assertTrue("message was: " + e.getMessage(), e.getMessage().contains(message));
    }
  }

  /** A deep, mutable copy of the run directory's model.json. */
  private static Map<String, Object> realSidecar() throws Exception {
    String text =
        new String(
            Files.readAllBytes(JvmFixture.modelDir().resolve("model.json")), StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) mutable(Json.parse(text));
    return m;
  }

  private static Object mutable(Object v) {
    if (v instanceof Map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        out.put((String) e.getKey(), mutable(e.getValue()));
      }
      return out;
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add(mutable(o));
      }
      return out;
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> m, String key) {
    return (Map<String, Object>) m.get(key);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> m, String key) {
    return (List<Object>) m.get(key);
  }

  static String sha256(Path file) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    StringBuilder sb = new StringBuilder();
    for (byte b : digest) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
