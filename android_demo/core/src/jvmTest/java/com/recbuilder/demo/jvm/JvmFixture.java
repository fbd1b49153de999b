package com.recbuilder.demo.jvm;

import com.recbuilder.demo.core.BundledModel;
import com.recbuilder.demo.core.BundledModels;
import com.recbuilder.demo.core.ModelSpec;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the JVM tests find their inputs: system properties set by scripts/jvm_test.sh.
 * recdemo.modelDir (model.tflite + model.json), recdemo.parityCases, recdemo.latencyOut.
 */
final class JvmFixture {
  private JvmFixture() {}

  static Path modelDir() {
    return Paths.get(require("recdemo.modelDir"));
  }

  static Path parityCases() {
    return Paths.get(require("recdemo.parityCases"));
  }

  static DirectoryModelSource source() {
    return new DirectoryModelSource(modelDir());
  }

  /** The run directory's model.json, loaded through the same discovery code as the app. */
  static ModelSpec spec() throws Exception {
    DirectoryModelSource src = source();
    BundledModel m = BundledModels.inspect(src, BundledModels.DEFAULT_SIDECAR, src.list());
    return m.spec();
  }

  static JnaLiteRtEngine engine(ModelSpec spec) {
    return new JnaLiteRtEngine(LibraryHolder.C, modelDir().resolve(spec.modelFile()));
  }

  private static String require(String key) {
    String v = System.getProperty(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalStateException("system property " + key + " is not set (run scripts/jvm_test.sh)");
    }
    return v;
  }

  /** Loads libLiteRt.so once per JVM. */
  static final class LibraryHolder {
    static final LiteRtC C = JnaLiteRtEngine.loadLibrary();

    private LibraryHolder() {}
  }
}
