package com.recbuilder.demo.core;

/**
 * The runtime behind the app: LiteRT's Interpreter on Android, LiteRT's C API through JNA on the
 * JVM, a fake in unit tests. An engine is created cheaply with its model source, then loaded.
 */
public interface Engine extends AutoCloseable {

  /**
   * Loads the model and checks it against the sidecar (see {@link ModelContract}); a mismatch is
   * a {@link ModelMismatchException}, never a silently wrong answer.
   */
  void load(ModelSpec spec) throws ModelException;

  /**
   * Runs the {@code recommend} signature on one encoded history row of length L.
   *
   * @throws IllegalStateException if called before a successful {@link #load}
   */
  TopK recommend(int[] history) throws ModelException;

  /** Releases native resources; safe to call more than once. */
  @Override
  void close();
}
