package com.recbuilder.demo.jvm;

import com.recbuilder.demo.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** The JSON written by scripts/make_parity_cases.py, read with core's own JSON parser. */
final class ParityCases {
  static final String SCHEMA = "recdemo-parity-cases/1";

  static final class Case {
    final List<Integer> picks;
    final int[] history;
    final int[] topIds;
    final float[] topScores;

    Case(List<Integer> picks, int[] history, int[] topIds, float[] topScores) {
      this.picks = picks;
      this.history = history;
      this.topIds = topIds;
      this.topScores = topScores;
    }
  }

  final String modelSha256;
  final Map<String, Object> pythonLatency;
  final List<Case> cases;

  private ParityCases(String modelSha256, Map<String, Object> pythonLatency, List<Case> cases) {
    this.modelSha256 = modelSha256;
    this.pythonLatency = pythonLatency;
    this.cases = cases;
  }

  @SuppressWarnings("unchecked")
  static ParityCases read(Path path) throws Exception {
    Map<String, Object> root;
    try {
      root = (Map<String, Object>) Json.parse(new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read parity cases " + path, e);
    }
    if (!SCHEMA.equals(root.get("schema"))) {
      throw new IllegalStateException(path + ": schema is " + root.get("schema") + ", expected " + SCHEMA);
    }
    List<Case> cases = new ArrayList<>();
    for (Object o : (List<Object>) root.get("cases")) {
      Map<String, Object> c = (Map<String, Object>) o;
      List<Integer> picks = new ArrayList<>();
      for (Object p : (List<Object>) c.get("picks")) {
        picks.add(((Long) p).intValue());
      }
      List<Object> scores = (List<Object>) c.get("top_scores");
      float[] topScores = new float[scores.size()];
      for (int i = 0; i < topScores.length; i++) {
        topScores[i] = (float) ((Number) scores.get(i)).doubleValue(); // exact: written from float32
      }
      cases.add(
          new Case(
              Collections.unmodifiableList(picks),
              ints((List<Object>) c.get("history")),
              ints((List<Object>) c.get("top_ids")),
              topScores));
    }
    return new ParityCases(
        (String) root.get("model_sha256"), (Map<String, Object>) root.get("python_latency"), cases);
  }

  private static int[] ints(List<Object> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Long) values.get(i)).intValue();
    }
    return out;
  }
}
