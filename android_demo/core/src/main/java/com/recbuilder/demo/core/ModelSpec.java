package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The parsed and validated {@code model.json} sidecar (schema_version 1): what the .tflite expects
 * and what its outputs mean. Immutable.
 */
public final class ModelSpec {
  public static final int SCHEMA_VERSION = 1;
  public static final String RECOMMEND_SIGNATURE = "recommend";
  public static final String SCORES_SIGNATURE = "scores";
  public static final String TOP_IDS = "top_ids";
  public static final String TOP_SCORES = "top_scores";
  public static final String SCORES = "scores";

  private final String sourceName;
  private final String builderVersion;
  private final String stage;
  private final String modelFile;
  private final String modelSha256;
  private final String configHash;
  private final String inputName;
  private final int historyLength;
  private final int padId;
  private final int k;
  private final boolean declaresScoresSignature;
  private final Catalog catalog;
  private final List<Integer> popular;
  private final long declaredTfliteBytes; // -1 when sizes.tflite_bytes is absent

  private ModelSpec(Builder b) {
    this.sourceName = b.sourceName;
    this.builderVersion = b.builderVersion;
    this.stage = b.stage;
    this.modelFile = b.modelFile;
    this.modelSha256 = b.modelSha256;
    this.configHash = b.configHash;
    this.inputName = b.inputName;
    this.historyLength = b.historyLength;
    this.padId = b.padId;
    this.k = b.k;
    this.declaresScoresSignature = b.declaresScoresSignature;
    this.catalog = b.catalog;
    this.popular = Collections.unmodifiableList(new ArrayList<>(b.popular));
    this.declaredTfliteBytes = b.declaredTfliteBytes;
  }

  /**
   * Parses and validates sidecar text. {@code sourceName} (e.g. "model.json") prefixes every
   * error message.
   */
  public static ModelSpec parse(String jsonText, String sourceName)
      throws InvalidModelSpecException {
    Object root;
    try {
      root = Json.parse(jsonText);
    } catch (JsonParseException e) {
      throw new InvalidModelSpecException(sourceName + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonFields f = JsonFields.root(sourceName, root);

    int schemaVersion = f.integer("schema_version");
    if (schemaVersion != SCHEMA_VERSION) {
      throw f.invalid(
          "schema_version",
          "is " + schemaVersion + " but this app reads schema_version " + SCHEMA_VERSION);
    }
    Builder b = new Builder();
    b.sourceName = sourceName;
    b.builderVersion = f.string("builder_version");
    b.stage = f.string("stage");
    b.modelFile = f.string("model_file");
    if (b.modelFile.isEmpty() || b.modelFile.contains("/") || b.modelFile.contains("\\")) {
      throw f.invalid("model_file", "must be a plain file name, got \"" + b.modelFile + "\"");
    }
    b.modelSha256 = f.nullableString("model_sha256");
    b.configHash = f.string("config_hash");

    JsonFields input = f.object("input");
    b.inputName = input.string("name");
    b.historyLength = input.integer("length");
    if (b.historyLength < 1) {
      throw input.invalid("length", "must be >= 1, got " + b.historyLength);
    }
    b.padId = input.integer("pad_id");
    String dtype = input.string("dtype");
    if (!"int32".equals(dtype)) {
      throw input.invalid("dtype", "must be \"int32\", got \"" + dtype + "\"");
    }

    JsonFields signatures = f.object("signatures");
    JsonFields recommend = signatures.object(RECOMMEND_SIGNATURE);
    requireNames(recommend, "inputs", b.inputName);
    requireNames(recommend, "outputs", TOP_IDS, TOP_SCORES);
    b.declaresScoresSignature = signatures.has(SCORES_SIGNATURE);
    if (b.declaresScoresSignature) {
      JsonFields scores = signatures.object(SCORES_SIGNATURE);
      requireNames(scores, "inputs", b.inputName);
      requireNames(scores, "outputs", SCORES);
    }

    int numItems = f.integer("num_items");
    if (numItems < 2) {
      throw f.invalid("num_items", "must be >= 2 (padding plus at least one item), got " + numItems);
    }
    b.k = f.integer("k");
    if (b.k < 1 || b.k > numItems - 1) {
      throw f.invalid("k", "must be in 1.." + (numItems - 1) + ", got " + b.k);
    }
    if (b.padId >= 1 && b.padId < numItems) {
      throw input.invalid("pad_id", "must not be a real item index (1.." + (numItems - 1) + ")");
    }
    b.catalog = parseItems(f, numItems);
    b.popular = parsePopular(f, b.catalog);

    b.declaredTfliteBytes = -1;
    if (f.has("sizes")) {
      JsonFields sizes = f.object("sizes");
      if (sizes.has("tflite_bytes")) {
        b.declaredTfliteBytes = sizes.integer("tflite_bytes");
      }
    }
    return new ModelSpec(b);
  }

  private static void requireNames(JsonFields sig, String key, String... required)
      throws InvalidModelSpecException {
    List<Object> names = sig.array(key);
    Set<String> have = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      have.add(sig.toStr(sig.keyPath(key) + "[" + i + "]", names.get(i)));
    }
    for (String name : required) {
      if (!have.contains(name)) {
        throw sig.invalid(key, "must list \"" + name + "\", got " + have);
      }
    }
  }

  private static Catalog parseItems(JsonFields f, int numItems) throws InvalidModelSpecException {
    List<Object> raw = f.array("items");
    if (raw.size() != numItems - 1) {
      throw f.invalid(
          "items",
          "must have num_items - 1 = " + (numItems - 1) + " entries (indices 1.." + (numItems - 1)
              + "), got " + raw.size());
    }
    List<Item> items = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      String where = "items[" + i + "]";
      JsonFields entry = f.toObject(where, raw.get(i));
      int index = entry.integer("index");
      if (index != i + 1) {
        throw entry.invalid("index", "must be " + (i + 1) + " (items in index order), got " + index);
      }
      List<Object> rawGenres = entry.array("genres");
      List<String> genres = new ArrayList<>(rawGenres.size());
      for (int g = 0; g < rawGenres.size(); g++) {
        genres.add(entry.toStr(where + ".genres[" + g + "]", rawGenres.get(g)));
      }
      items.add(new Item(index, entry.string("id"), entry.string("title"), genres));
    }
    return new Catalog(items);
  }

  private static List<Integer> parsePopular(JsonFields f, Catalog catalog)
      throws InvalidModelSpecException {
    List<Object> raw = f.array("popular");
    List<Integer> popular = new ArrayList<>(raw.size());
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      String where = "popular[" + i + "]";
      int index = f.toInt(where, raw.get(i));
      if (!catalog.contains(index)) {
        throw f.invalidAt(
            where, "= " + index + " is not an item index (1.." + (catalog.numItems() - 1) + ")");
      }
      if (!seen.add(index)) {
        throw f.invalidAt(where, "repeats item index " + index);
      }
      popular.add(index);
    }
    return popular;
  }

  /** The sidecar's name as given to {@link #parse}, used in error messages. */
  public String sourceName() {
    return sourceName;
  }

  public String builderVersion() {
    return builderVersion;
  }

  /** Which pipeline stage produced the model, e.g. "final_int8" or "student_fp32". */
  public String stage() {
    return stage;
  }

  /** The .tflite file name, relative to the sidecar's directory (or the assets root). */
  public String modelFile() {
    return modelFile;
  }

  /** Hex SHA-256 of the .tflite, or null when the sidecar does not record it. */
  public String modelSha256() {
    return modelSha256;
  }

  public String configHash() {
    return configHash;
  }

  public String inputName() {
    return inputName;
  }

  /** L: the length of the {@code history} input. */
  public int historyLength() {
    return historyLength;
  }

  public int padId() {
    return padId;
  }

  /** K: how many items {@code recommend} returns. */
  public int k() {
    return k;
  }

  /** N: vocabulary size including the padding index 0. */
  public int numItems() {
    return catalog.numItems();
  }

  public boolean declaresScoresSignature() {
    return declaresScoresSignature;
  }

  public Catalog catalog() {
    return catalog;
  }

  /** Model indices, most popular first (the cold-start list). */
  public List<Integer> popular() {
    return popular;
  }

  /** sizes.tflite_bytes from the sidecar, or -1 when absent. */
  public long declaredTfliteBytes() {
    return declaredTfliteBytes;
  }

  private static final class Builder {
    String sourceName;
    String builderVersion;
    String stage;
    String modelFile;
    String modelSha256;
    String configHash;
    String inputName;
    int historyLength;
    int padId;
    int k;
    boolean declaresScoresSignature;
    Catalog catalog;
    List<Integer> popular;
    long declaredTfliteBytes;
  }
}
