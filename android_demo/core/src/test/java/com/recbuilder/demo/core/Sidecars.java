package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds valid schema_version 1 sidecars as mutable maps; tests break one key at a time. */
public final class Sidecars {
  private Sidecars() {}

  /** A valid sidecar for history length L, vocabulary N (incl. padding) and K. */
  public static Map<String, Object> valid(int length, int numItems, int k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema_version", 1);
    m.put("builder_version", "0.1.0");
    m.put("stage", "final_int8");
    m.put("model_file", "model.tflite");
    m.put("model_sha256", null);
    m.put("config_hash", "abc123");
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("name", "history");
    input.put("length", length);
    input.put("pad_id", 0);
    input.put("dtype", "int32");
    m.put("input", input);
    Map<String, Object> signatures = new LinkedHashMap<>();
    signatures.put("recommend", signature(Arrays.asList("top_ids", "top_scores")));
    signatures.put("scores", signature(Arrays.asList("scores")));
    m.put("signatures", signatures);
    m.put("k", k);
    m.put("num_items", numItems);
    List<Object> items = new ArrayList<>();
    for (int i = 1; i < numItems; i++) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("index", i);
      item.put("id", Integer.toString(1000 + i));
      item.put("title", "Movie " + i + " (199" + (i % 10) + ")");
      item.put("genres", new ArrayList<Object>(Arrays.asList(i % 2 == 0 ? "Drama" : "Comedy")));
      items.add(item);
    }
    m.put("items", items);
    List<Object> popular = new ArrayList<>();
    for (int i = numItems - 1; i >= 1; i--) {
      popular.add(i); // most popular first: the highest index, for a recognisable order
    }
    m.put("popular", popular);
    m.put("metrics", new LinkedHashMap<String, Object>());
    Map<String, Object> sizes = new LinkedHashMap<>();
    sizes.put("tflite_bytes", 12345);
    m.put("sizes", sizes);
    return m;
  }

  private static Map<String, Object> signature(List<String> outputs) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("inputs", new ArrayList<Object>(Arrays.asList("history")));
    s.put("outputs", new ArrayList<Object>(outputs));
    return s;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> child(Map<String, Object> map, String key) {
    return (Map<String, Object>) map.get(key);
  }

  @SuppressWarnings("unchecked")
  public static List<Object> list(Map<String, Object> map, String key) {
    return (List<Object>) map.get(key);
  }

  public static ModelSpec spec(Map<String, Object> sidecar) throws InvalidModelSpecException {
    return ModelSpec.parse(TestJson.write(sidecar), "model.json");
  }

  public static ModelSpec spec(int length, int numItems, int k) throws InvalidModelSpecException {
    return spec(valid(length, numItems, k));
  }
}
