package com.recbuilder.demo.app;

import android.app.Application;
import com.recbuilder.sdk.AssetModelFiles;
import com.recbuilder.sdk.EngineFactory;
import com.recbuilder.sdk.ModelFiles;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the screens run on: the models in the APK's assets, LiteRT, one worker thread per
 * screen. The JVM screen tests substitute a directory, a fake engine and a same-thread worker.
 */
public class DemoApp extends Application {

  public ModelFiles modelFiles() {
    return new AssetModelFiles(getAssets());
  }

  public EngineFactory engines() {
    return EngineFactory.liteRt();
  }

  /** A screen's worker for model work; the screen shuts it down in onDestroy. */
  public ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor();
  }
}
