package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Test;

public class KeyValueLineTest {

  @Test
  public void valuesLoseWhitespaceAndEqualsSigns() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("a", "x y\tz");
    f.put("b", "k=v");
    f.put("c", "");
    f.put("d", null);
    String line = KeyValueLine.format("TAG", f);
    assertEquals("TAG a=x_y_z b=k_v c=_ d=null", line);
    Map<String, String> back = KeyValueLine.parse(line);
    assertEquals("x_y_z", back.get("a"));
    assertEquals("k_v", back.get("b"));
  }

  @Test
  public void rejectsBadKeysAndLines() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("Bad Key", "1");
    try {
      KeyValueLine.format("TAG", f);
      fail();
    } catch (IllegalArgumentException expected) {
      // ok
    }
    try {
      KeyValueLine.parse("TAG novalue");
      fail();
    } catch (IllegalArgumentException expected) {
      // ok
    }
  }
}
