package com.recbuilder.demo.app;

import android.content.res.AssetFileDescriptor;
import android.content.res.AssetManager;
import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSource;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** The APK's assets root, where `rec-builder export-android` puts .tflite + .json pairs. */
final class AssetModelSource implements ModelSource {
  private final AssetManager assets;

  AssetModelSource(AssetManager assets) {
    this.assets = assets;
  }

  @Override
  public String describe() {
    return "app assets (app/src/main/assets)";
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
