package com.recbuilder.demo.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An in-memory {@link ModelSource}: file name -> bytes. */
public final class MapModelSource implements ModelSource {
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  public MapModelSource put(String name, String text) {
    files.put(name, text.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  public MapModelSource put(String name, byte[] bytes) {
    files.put(name, bytes.clone());
    return this;
  }

  @Override
  public String describe() {
    return "test assets";
  }

  @Override
  public List<String> list() {
    return new ArrayList<>(files.keySet());
  }

  @Override
  public String readText(String name) throws ModelException {
    return new String(get(name), StandardCharsets.UTF_8);
  }

  @Override
  public long size(String name) throws ModelException {
    return get(name).length;
  }

  private byte[] get(String name) throws MissingModelFileException {
    byte[] bytes = files.get(name);
    if (bytes == null) {
      throw new MissingModelFileException(name, describe());
    }
    return bytes;
  }
}
