package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class JsonTest {

  @Test
  public void parsesNestedStructuresInOrder() throws Exception {
    Object v = Json.parse(" {\"b\": [1, -2, 3.5, true, false, null], \"a\": {\"x\": \"y\"}, \"c\": []} ");
    Map<?, ?> m = (Map<?, ?>) v;
    assertEquals(Arrays.asList("b", "a", "c"), Arrays.asList(m.keySet().toArray()));
    List<?> b = (List<?>) m.get("b");
    assertEquals(1L, b.get(0));
    assertEquals(-2L, b.get(1));
    assertEquals(3.5, b.get(2));
    assertEquals(Boolean.TRUE, b.get(3));
    assertEquals(Boolean.FALSE, b.get(4));
    assertSame(Json.NULL, b.get(5));
    assertEquals("y", ((Map<?, ?>) m.get("a")).get("x"));
    assertTrue(((List<?>) m.get("c")).isEmpty());
  }

  @Test
  public void numbersKeepIntegersExactAndDoublesBitExact() throws Exception {
    assertEquals(0L, Json.parse("0"));
    assertEquals(-0.0, Json.parse("-0.0"));
    assertEquals(1000.0, Json.parse("1e3"));
    assertEquals(1.5e-7, Json.parse("1.5E-7"));
    assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
    assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"));
    // Python writes float32 scores as the shortest double repr; the round trip must be exact.
    float f = 4.0728827f;
    assertEquals(f, (float) (double) (Double) Json.parse(Double.toString((double) f)), 0.0f);
  }

  @Test
  public void decodesEscapesAndSurrogatePairs() throws Exception {
    assertEquals("a\"b\\c/d\b\f\n\r\t", Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""));
    assertEquals("\u00e9\u4e2d", Json.parse("\"\\u00e9\\u4E2D\""));
    assertEquals("\uD83C\uDFAC", Json.parse("\"\\ud83c\\udfac\"")); // clapper board emoji
    assertEquals("Am\u00e9lie (2001)", Json.parse("\"Am\u00e9lie (2001)\"")); // raw UTF-16 text
  }

  @Test
  public void rejectsEverythingThatIsNotStrictJson() {
    String[] bad = {
      "", " ", "{", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "NaN",
      "[Infinity]", "'a'", "{a:1}", "// c\n1", "/* c */1", "[1] [2]", "tru", "nul",
      "\"\\x\"", "\"a\tb\"", "\"\\ud83c\"", "\"\\udfac\"", "\"\\u12\"", "\"abc", "{\"a\" 1}",
      "{\"a\":1 \"b\":2}", "[1 2]", "1e999"
    };
    for (String text : bad) {
      try {
        Object v = Json.parse(text);
        fail("accepted " + text + " as " + v);
      } catch (JsonParseException expected) {
        // ok
      }
    }
  }

  @Test
  public void rejectsDuplicateKeysNamingTheKey() {
    try {
      Json.parse("{\"k\": 1, \"k\": 2}");
      fail();
    } catch (JsonParseException e) {
      assertTrue(e.getMessage(), e.getMessage().contains("duplicate key \"k\""));
    }
  }

  @Test
  public void reportsLineAndColumn() {
    try {
      Json.parse("{\n  \"a\": 1,\n  \"b\": ]\n}");
      fail();
    } catch (JsonParseException e) {
      assertEquals(3, e.line());
      assertEquals(8, e.column());
      assertTrue(e.getMessage(), e.getMessage().endsWith("at line 3, column 8"));
    }
  }

  @Test
  public void limitsNestingDepth() throws Exception {
    StringBuilder ok = new StringBuilder();
    StringBuilder tooDeep = new StringBuilder();
    for (int i = 0; i < Json.MAX_DEPTH; i++) {
      ok.append('[');
    }
    for (int i = 0; i < Json.MAX_DEPTH; i++) {
      ok.append(']');
    }
    Json.parse(ok.toString());
    for (int i = 0; i <= Json.MAX_DEPTH; i++) {
      tooDeep.append('[');
    }
    try {
      Json.parse(tooDeep.toString());
      fail();
    } catch (JsonParseException e) {
      assertTrue(e.getMessage(), e.getMessage().contains("nesting"));
    }
  }

  @Test
  public void resultsAreUnmodifiable() throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.parse("{\"a\": [1]}");
    try {
      m.put("b", 2);
      fail();
    } catch (UnsupportedOperationException expected) {
      // ok
    }
  }
}
