package com.recbuilder.demo.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny strict JSON (RFC 8259) parser, so that {@code core} needs no library on either the JVM
 * (which has no org.json) or Android.
 *
 * <p>Values map to plain Java types: object -> unmodifiable {@code Map<String, Object>} (insertion
 * ordered), array -> unmodifiable {@code List<Object>}, string -> {@link String}, true/false ->
 * {@link Boolean}, null -> {@link #NULL}, number -> {@link Long} when it is written without
 * fraction or exponent and fits in a long, otherwise {@link Double}.
 *
 * <p>Strict means: one top-level value with only whitespace around it, no comments, no trailing
 * commas, no single quotes, no leading zeros, no NaN/Infinity, no raw control characters in
 * strings, no lone surrogates in escapes, and no duplicate keys in an object.
 */
public final class Json {

  /** The JSON {@code null} literal (distinct from a missing key). */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** Nesting deeper than this is rejected instead of overflowing the stack. */
  static final int MAX_DEPTH = 256;

  private final String text;
  private int pos;
  private int depth;

  private Json(String text) {
    this.text = text;
  }

  /** Parses {@code text} as one JSON value. */
  public static Object parse(String text) throws JsonParseException {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    Json parser = new Json(text);
    parser.skipWhitespace();
    Object value = parser.readValue();
    parser.skipWhitespace();
    if (parser.pos != text.length()) {
      throw parser.error("unexpected trailing content");
    }
    return value;
  }

  private Object readValue() throws JsonParseException {
    if (pos >= text.length()) {
      throw error("unexpected end of input, expected a value");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return readObject();
      case '[':
        return readArray();
      case '"':
        return readString();
      case 't':
        expectLiteral("true");
        return Boolean.TRUE;
      case 'f':
        expectLiteral("false");
        return Boolean.FALSE;
      case 'n':
        expectLiteral("null");
        return NULL;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return readNumber();
        }
        throw error("unexpected character '" + printable(c) + "'");
    }
  }

  private Map<String, Object> readObject() throws JsonParseException {
    enter();
    pos++; // '{'
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      depth--;
      return Collections.unmodifiableMap(map);
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a string key");
      }
      int keyStart = pos;
      String key = readString();
      if (map.containsKey(key)) {
        pos = keyStart;
        throw error("duplicate key \"" + key + "\"");
      }
      skipWhitespace();
      expect(':');
      skipWhitespace();
      map.put(key, readValue());
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        depth--;
        return Collections.unmodifiableMap(map);
      } else {
        throw error("expected ',' or '}' in object");
      }
    }
  }

  private List<Object> readArray() throws JsonParseException {
    enter();
    pos++; // '['
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      depth--;
      return Collections.unmodifiableList(list);
    }
    while (true) {
      skipWhitespace();
      list.add(readValue());
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        depth--;
        return Collections.unmodifiableList(list);
      } else {
        throw error("expected ',' or ']' in array");
      }
    }
  }

  private String readString() throws JsonParseException {
    pos++; // opening quote
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("raw control character in string (must be escaped)");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("unterminated escape");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '"':
          sb.append('"');
          break;
        case '\\':
          sb.append('\\');
          break;
        case '/':
          sb.append('/');
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          char unit = readHex4();
          if (Character.isHighSurrogate(unit)) {
            if (!text.startsWith("\\u", pos)) {
              throw error("high surrogate escape not followed by a low surrogate escape");
            }
            pos += 2;
            char low = readHex4();
            if (!Character.isLowSurrogate(low)) {
              throw error("high surrogate escape not followed by a low surrogate escape");
            }
            sb.append(unit).append(low);
          } else if (Character.isLowSurrogate(unit)) {
            throw error("lone low surrogate escape");
          } else {
            sb.append(unit);
          }
          break;
        default:
          pos--;
          throw error("invalid escape '\\" + printable(e) + "'");
      }
    }
  }

  private char readHex4() throws JsonParseException {
    if (pos + 4 > text.length()) {
      throw error("truncated \\u escape");
    }
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Character.digit(text.charAt(pos + i), 16);
      if (digit < 0) {
        throw error("invalid hex digit in \\u escape");
      }
      value = value * 16 + digit;
    }
    pos += 4;
    return (char) value;
  }

  private Object readNumber() throws JsonParseException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) {
        throw error("leading zeros are not allowed");
      }
    } else if (isDigit(peek())) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw error("expected a digit");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("expected a digit after '.'");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("expected a digit in exponent");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    String literal = text.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException tooBig) {
        // Falls through to a double, like most parsers do for huge integers.
      }
    }
    double value = Double.parseDouble(literal);
    if (Double.isInfinite(value)) {
      pos = start;
      throw error("number out of range: " + literal);
    }
    return value;
  }

  private void expectLiteral(String literal) throws JsonParseException {
    if (!text.startsWith(literal, pos)) {
      throw error("invalid literal, expected " + literal);
    }
    pos += literal.length();
  }

  private void expect(char c) throws JsonParseException {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private void enter() throws JsonParseException {
    if (++depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  /** The current character, or 0 at end of input (0 is never valid where peek() is used). */
  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        return;
      }
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static String printable(char c) {
    return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  private JsonParseException error(String message) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < pos && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new JsonParseException(message, pos, line, column);
  }
}
