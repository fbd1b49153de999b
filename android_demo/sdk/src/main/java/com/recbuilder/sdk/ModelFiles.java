package com.recbuilder.sdk;

import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSource;
import java.nio.ByteBuffer;

/**
 * Where a recommender's .tflite + .json pairs live: the APK's assets ({@link AssetModelFiles})
 * or a directory, e.g. a model downloaded after install ({@link DirectoryModelFiles}).
 */
public interface ModelFiles extends ModelSource {

  /**
   * The model file's bytes for the runtime, memory-mapped where possible (LiteRT reads it in
   * place). {@link com.recbuilder.demo.core.MissingModelFileException} when it is not there.
   */
  ByteBuffer map(String name) throws ModelException;
}
