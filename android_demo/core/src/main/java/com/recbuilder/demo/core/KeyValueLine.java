package com.recbuilder.demo.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one-line {@code key=value key=value} format of the benchmark's logcat lines: keys are
 * [a-z0-9_]+, values never contain whitespace or '=', so {@code line.split(" ")} parses it.
 */
public final class KeyValueLine {
  private KeyValueLine() {}

  public static String format(String tag, Map<String, String> fields) {
    StringBuilder sb = new StringBuilder(tag);
    for (Map.Entry<String, String> e : fields.entrySet()) {
      String key = e.getKey();
      if (!key.matches("[a-z0-9_]+")) {
        throw new IllegalArgumentException("bad key: " + key);
      }
      sb.append(' ').append(key).append('=').append(sanitize(e.getValue()));
    }
    return sb.toString();
  }

  /** Parses a line written by {@link #format}; the leading tag is returned under key "". */
  public static Map<String, String> parse(String line) {
    Map<String, String> out = new LinkedHashMap<>();
    String[] parts = line.trim().split(" +");
    out.put("", parts[0]);
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("not key=value: " + parts[i]);
      }
      out.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
    }
    return out;
  }

  static String sanitize(String value) {
    String v = value == null ? "null" : value;
    v = v.replaceAll("[\\s=]+", "_");
    return v.isEmpty() ? "_" : v;
  }
}
