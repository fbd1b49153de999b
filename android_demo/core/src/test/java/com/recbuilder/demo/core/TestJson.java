package com.recbuilder.demo.core;

import java.util.List;
import java.util.Map;

/** Test-only JSON writer for building sidecar fixtures (core itself only needs to read JSON). */
public final class TestJson {
  private TestJson() {}

  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb);
    return sb.toString();
  }

  private static void write(Object value, StringBuilder sb) {
    if (value == null || value == Json.NULL) {
      sb.append("null");
    } else if (value instanceof String) {
      sb.append('"');
      for (char c : ((String) value).toCharArray()) {
        if (c == '"' || c == '\\') {
          sb.append('\\').append(c);
        } else if (c < 0x20) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
      sb.append('"');
    } else if (value instanceof Map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(String.valueOf(e.getKey()), sb);
        sb.append(':');
        write(e.getValue(), sb);
      }
      sb.append('}');
    } else if (value instanceof List) {
      sb.append('[');
      boolean first = true;
      for (Object o : (List<?>) value) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(o, sb);
      }
      sb.append(']');
    } else {
      sb.append(value); // numbers and booleans
    }
  }
}
