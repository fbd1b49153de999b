package com.recbuilder.demo.app;

import com.recbuilder.sdk.DirectoryModelFiles;
import com.recbuilder.sdk.EngineFactory;
import com.recbuilder.sdk.ModelFiles;
import com.recbuilder.sdk.testing.FakeEngines;
import java.io.File;
import java.util.concurrent.ExecutorService;

/**
 * The demo app as the screen tests run it: models from a directory the test fills, fake
 * engines, and model work on the calling thread (the main looper then delivers the results).
 */
public final class FakeDemoApp extends DemoApp {
  File modelDir;
  FakeEngines engines = new FakeEngines();

  /** What both screens say when the model directory holds no model at all. */
  String noModelMessage() {
    return "Missing model file 'model.json' in " + modelDir.getPath()
        + " (export one with: rec-builder export-android RUN_DIR)";
  }

  @Override
  public ModelFiles modelFiles() {
    return new DirectoryModelFiles(modelDir);
  }

  @Override
  public EngineFactory engines() {
    return engines;
  }

  @Override
  public ExecutorService newWorker() {
    return new SameThreadExecutor();
  }
}
