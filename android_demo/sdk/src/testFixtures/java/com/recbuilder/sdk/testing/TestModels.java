package com.recbuilder.sdk.testing;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * Writes model directories as {@code rec-builder export-android} does: {@code <stage>.json}
 * (a schema_version 1 sidecar) next to {@code <stage>.tflite} (placeholder bytes: the fake
 * engine never reads them). Items are "Movie i" with ids "m<i>"; popular is N-1, N-2, ...
 */
public final class TestModels {
  private TestModels() {}

  public static void write(File dir, String stage, int length, int numItems, int k)
      throws IOException {
    write(dir, stage, stage + ".json", length, numItems, k);
  }

  public static void write(
      File dir, String stage, String sidecarName, int length, int numItems, int k)
      throws IOException {
    String modelFile = sidecarName.replaceAll("\\.json$", "") + ".tflite";
    writeBytes(new File(dir, modelFile), new byte[] {'T', 'F', 'L', '3'});
    writeBytes(
        new File(dir, sidecarName),
        sidecar(stage, modelFile, length, numItems, k).getBytes(StandardCharsets.UTF_8));
  }

  public static String sidecar(String stage, String modelFile, int length, int numItems, int k) {
    try {
      JSONObject m = new JSONObject();
      m.put("schema_version", 1);
      m.put("builder_version", "0.1.0");
      m.put("stage", stage);
      m.put("model_file", modelFile);
      m.put("model_sha256", JSONObject.NULL);
      m.put("config_hash", "test");
      m.put(
          "input",
          new JSONObject().put("name", "history").put("length", length).put("pad_id", 0)
              .put("dtype", "int32"));
      JSONObject signatures = new JSONObject();
      signatures.put(
          "recommend",
          new JSONObject().put("inputs", new JSONArray().put("history"))
              .put("outputs", new JSONArray().put("top_ids").put("top_scores")));
      signatures.put(
          "scores",
          new JSONObject().put("inputs", new JSONArray().put("history"))
              .put("outputs", new JSONArray().put("scores")));
      m.put("signatures", signatures);
      m.put("k", k);
      m.put("num_items", numItems);
      JSONArray items = new JSONArray();
      for (int i = 1; i < numItems; i++) {
        items.put(
            new JSONObject().put("index", i).put("id", "m" + i).put("title", title(i))
                .put("genres", new JSONArray().put(i % 2 == 0 ? "Drama" : "Comedy")));
      }
      m.put("items", items);
      JSONArray popular = new JSONArray();
      for (int i = numItems - 1; i >= 1; i--) {
        popular.put(i);
      }
      m.put("popular", popular);
      m.put("metrics", new JSONObject());
      m.put("sizes", new JSONObject().put("tflite_bytes", 4));
      return m.toString(1);
    } catch (JSONException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String title(int index) {
    return "Movie " + index;
  }

  private static void writeBytes(File f, byte[] bytes) throws IOException {
    try (OutputStream out = new FileOutputStream(f)) {
      out.write(bytes);
    }
  }
}
