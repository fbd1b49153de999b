package com.recbuilder.sdk;

import android.content.res.AssetFileDescriptor;
import android.content.res.AssetManager;
import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelException;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The APK's assets root, where {@code rec-builder export-android} puts .tflite + .json pairs
 * (the app's src/main/assets, or the sdk module's: Gradle merges both into the APK).
 */
public final class AssetModelFiles implements ModelFiles {
  static final String WHERE = "app assets (app/src/main/assets)";

  private final AssetManager assets;

  public AssetModelFiles(AssetManager assets) {
    this.assets = assets;
  }

  @Override
  public String describe() {
    return WHERE;
  }

  @Override
  public List<String> list() throws ModelException {
    try {
      String[] names = assets.list("");
      return names == null ? Collections.<String>emptyList() : Arrays.asList(names);
    } catch (IOException e) {
      throw new ModelException("Cannot list the app's assets: " + e.getMessage(), e);
    }
  }

  @Override
  public String readText(String name) throws ModelException {
    try (InputStream in = assets.open(name)) {
      return new String(readAll(in), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      throw new MissingModelFileException(name, describe());
    } catch (IOException e) {
      throw new ModelException("Cannot read asset " + name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long size(String name) throws ModelException {
    try (AssetFileDescriptor fd = assets.openFd(name)) {
      return fd.getLength();
    } catch (FileNotFoundException compressedOrMissing) {
      // openFd only works for uncompressed assets; count the bytes instead.
      try (InputStream in = assets.open(name)) {
        return readAll(in).length;
      } catch (FileNotFoundException e) {
        throw new MissingModelFileException(name, describe());
      } catch (IOException e) {
        throw new ModelException("Cannot read asset " + name + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new ModelException("Cannot open asset " + name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public ByteBuffer map(String name) throws ModelException {
    try (AssetFileDescriptor fd = assets.openFd(name);
        FileInputStream in = new FileInputStream(fd.getFileDescriptor())) {
      return in.getChannel()
          .map(FileChannel.MapMode.READ_ONLY, fd.getStartOffset(), fd.getDeclaredLength());
    } catch (FileNotFoundException e) {
      if (exists(name)) {
        throw new ModelException(
            name + " is stored compressed in the APK and cannot be memory-mapped: add"
                + " androidResources { noCompress += \"tflite\" } to the app's build.gradle.kts");
      }
      throw new MissingModelFileException(name, describe());
    } catch (IOException e) {
      throw new ModelException("Cannot map asset " + name + ": " + e.getMessage(), e);
    }
  }

  private boolean exists(String name) {
    try {
      return list().contains(name);
    } catch (ModelException e) {
      return false;
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[16 * 1024];
    int n;
    while ((n = in.read(chunk)) != -1) {
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }
}
