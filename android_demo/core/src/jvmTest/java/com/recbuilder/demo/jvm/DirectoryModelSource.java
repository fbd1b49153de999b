package com.recbuilder.demo.jvm;

import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A {@link ModelSource} over a run directory (model.tflite + model.json) on the host. */
public final class DirectoryModelSource implements ModelSource {
  private final Path dir;

  public DirectoryModelSource(Path dir) {
    this.dir = dir;
  }

  public Path resolve(String name) {
    return dir.resolve(name);
  }

  @Override
  public String describe() {
    return dir.toString();
  }

  @Override
  public List<String> list() throws ModelException {
    if (!Files.isDirectory(dir)) {
      throw new ModelException("model directory does not exist: " + dir);
    }
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(Files::isRegularFile).forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new ModelException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    return names;
  }

  @Override
  public String readText(String name) throws ModelException {
    Path p = existing(name);
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ModelException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long size(String name) throws ModelException {
    Path p = existing(name);
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new ModelException("cannot stat " + p + ": " + e.getMessage(), e);
    }
  }

  private Path existing(String name) throws MissingModelFileException {
    Path p = dir.resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new MissingModelFileException(name, dir.toString());
    }
    return p;
  }
}
