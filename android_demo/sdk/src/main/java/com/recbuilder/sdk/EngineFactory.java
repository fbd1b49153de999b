package com.recbuilder.sdk;

import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;

/**
 * Creates the (not yet loaded) {@link Engine} for one model: LiteRT on a device, a fake in
 * screen tests, or another runtime an app brings.
 */
public interface EngineFactory {

  /** The engine that will run {@code spec.modelFile()} from {@code files}. */
  Engine create(ModelFiles files, ModelSpec spec) throws ModelException;

  /** LiteRT's Interpreter on the model memory-mapped from {@code files}. */
  static EngineFactory liteRt() {
    return LiteRtEngine::new;
  }
}
