package com.recbuilder.demo.core;

import java.util.List;
import java.util.Map;

/**
 * Typed, path-aware access to one JSON object, so that every schema error names the file and the
 * full key (for example {@code model.json: key 'input.length' must be an integer, got "20"}).
 */
final class JsonFields {
  private final String source;
  private final String path;
  private final Map<String, Object> map;

  private JsonFields(String source, String path, Map<String, Object> map) {
    this.source = source;
    this.path = path;
    this.map = map;
  }

  /** Wraps a parsed top-level value, which must be an object. */
  static JsonFields root(String source, Object value) throws InvalidModelSpecException {
    if (!(value instanceof Map)) {
      throw new InvalidModelSpecException(
          source + ": the top-level value must be a JSON object, got " + describe(value));
    }
    return new JsonFields(source, "", castMap(value));
  }

  String keyPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return map.containsKey(key);
  }

  Object raw(String key) throws InvalidModelSpecException {
    if (!map.containsKey(key)) {
      throw new InvalidModelSpecException(source + ": missing key '" + keyPath(key) + "'");
    }
    return map.get(key);
  }

  JsonFields object(String key) throws InvalidModelSpecException {
    Object value = raw(key);
    if (!(value instanceof Map)) {
      throw typeError(key, "an object", value);
    }
    return new JsonFields(source, keyPath(key), castMap(value));
  }

  List<Object> array(String key) throws InvalidModelSpecException {
    Object value = raw(key);
    if (!(value instanceof List)) {
      throw typeError(key, "an array", value);
    }
    @SuppressWarnings("unchecked")
    List<Object> list = (List<Object>) value;
    return list;
  }

  String string(String key) throws InvalidModelSpecException {
    Object value = raw(key);
    if (!(value instanceof String)) {
      throw typeError(key, "a string", value);
    }
    return (String) value;
  }

  /** A string or JSON null (returned as Java null); the key itself must be present. */
  String nullableString(String key) throws InvalidModelSpecException {
    Object value = raw(key);
    if (value == Json.NULL) {
      return null;
    }
    if (!(value instanceof String)) {
      throw typeError(key, "a string or null", value);
    }
    return (String) value;
  }

  int integer(String key) throws InvalidModelSpecException {
    return toInt(keyPath(key), raw(key));
  }

  /** Converts an array element or value to int, naming {@code where} in the error. */
  int toInt(String where, Object value) throws InvalidModelSpecException {
    if (value instanceof Long) {
      long v = (Long) value;
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return (int) v;
      }
    }
    throw new InvalidModelSpecException(
        source + ": key '" + where + "' must be a 32-bit integer, got " + describe(value));
  }

  String toStr(String where, Object value) throws InvalidModelSpecException {
    if (!(value instanceof String)) {
      throw new InvalidModelSpecException(
          source + ": key '" + where + "' must be a string, got " + describe(value));
    }
    return (String) value;
  }

  JsonFields toObject(String where, Object value) throws InvalidModelSpecException {
    if (!(value instanceof Map)) {
      throw new InvalidModelSpecException(
          source + ": key '" + where + "' must be an object, got " + describe(value));
    }
    return new JsonFields(source, where, castMap(value));
  }

  InvalidModelSpecException invalid(String key, String requirement) {
    return new InvalidModelSpecException(
        source + ": key '" + keyPath(key) + "' " + requirement);
  }

  /** An error about an element path such as {@code popular[3]}. */
  InvalidModelSpecException invalidAt(String where, String requirement) {
    return new InvalidModelSpecException(source + ": key '" + where + "' " + requirement);
  }

  private InvalidModelSpecException typeError(String key, String expected, Object value) {
    return new InvalidModelSpecException(
        source + ": key '" + keyPath(key) + "' must be " + expected + ", got " + describe(value));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object value) {
    return (Map<String, Object>) value;
  }

  static String describe(Object value) {
    if (value == Json.NULL) {
      return "null";
    }
    if (value instanceof String) {
      String s = (String) value;
      return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "an array";
    }
    return String.valueOf(value);
  }
}
