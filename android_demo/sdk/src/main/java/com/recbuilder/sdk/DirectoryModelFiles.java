package com.recbuilder.sdk;

import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelException;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory of .tflite + .json pairs, e.g. a model an app downloaded into its files dir.
 * java.io only (java.nio.file needs API 26; the sdk's minSdk is 24).
 */
public final class DirectoryModelFiles implements ModelFiles {
  private final File dir;

  public DirectoryModelFiles(File dir) {
    this.dir = dir;
  }

  @Override
  public String describe() {
    return dir.getPath();
  }

  @Override
  public List<String> list() throws ModelException {
    File[] files = dir.listFiles();
    if (files == null) {
      throw new ModelException("Model directory " + dir + " does not exist or cannot be read");
    }
    List<String> names = new ArrayList<>();
    for (File f : files) {
      if (f.isFile()) {
        names.add(f.getName());
      }
    }
    return names;
  }

  @Override
  public String readText(String name) throws ModelException {
    File f = existing(name);
    try (FileInputStream in = new FileInputStream(f)) {
      byte[] bytes = new byte[(int) f.length()];
      int off = 0;
      while (off < bytes.length) {
        int n = in.read(bytes, off, bytes.length - off);
        if (n < 0) {
          throw new IOException("file shrank while reading");
        }
        off += n;
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ModelException("Cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long size(String name) throws ModelException {
    return existing(name).length();
  }

  @Override
  public ByteBuffer map(String name) throws ModelException {
    File f = existing(name);
    try (FileInputStream in = new FileInputStream(f)) {
      return in.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, f.length());
    } catch (IOException e) {
      throw new ModelException("Cannot map " + f + ": " + e.getMessage(), e);
    }
  }

  private File existing(String name) throws MissingModelFileException {
    File f = new File(dir, name);
    if (!f.isFile()) {
      throw new MissingModelFileException(name, describe());
    }
    return f;
  }
}
