package com.recbuilder.sdk;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.sdk.testing.TestModels;
import java.io.File;
import java.nio.ByteBuffer;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;

/** The two ModelFiles: a directory on disk, and (on Robolectric's AssetManager) the APK's assets. */
@RunWith(RobolectricTestRunner.class)
public class ModelFilesTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void directoryListsReadsAndMapsItsFiles() throws Exception {
    File dir = tmp.newFolder("models");
    TestModels.write(dir, "final_int8", 5, 31, 10);
    DirectoryModelFiles files = new DirectoryModelFiles(dir);
    assertTrue(files.list().contains("final_int8.json"));
    assertTrue(files.list().contains("final_int8.tflite"));
    assertTrue(files.readText("final_int8.json").contains("\"schema_version\": 1"));
    assertEquals(4, files.size("final_int8.tflite"));
    ByteBuffer mapped = files.map("final_int8.tflite");
    assertEquals(4, mapped.remaining());
    assertEquals('T', mapped.get(0));
  }

  @Test
  public void directoryNamesAMissingFileAndAMissingDirectory() throws Exception {
    File dir = tmp.newFolder("empty");
    DirectoryModelFiles files = new DirectoryModelFiles(dir);
    for (String call : new String[] {"readText", "size", "map"}) {
      try {
        if (call.equals("readText")) {
          files.readText("model.json");
        } else if (call.equals("size")) {
          files.size("model.json");
        } else {
          files.map("model.json");
        }
        fail(call + " of a missing file");
      } catch (MissingModelFileException e) {
        assertEquals("Missing model file 'model.json' in " + dir.getPath(), e.getMessage());
      }
    }
    try {
      new DirectoryModelFiles(new File(dir, "nope")).list();
      fail("listing a missing directory");
    } catch (ModelException e) {
      assertTrue(e.getMessage(), e.getMessage().contains("nope does not exist"));
    }
  }

  @Test
  public void assetsNameAMissingAssetInsteadOfThrowingIoErrors() throws Exception {
    AssetModelFiles assets = new AssetModelFiles(RuntimeEnvironment.getApplication().getAssets());
    assertFalse(assets.list().contains("model.json"));
    try {
      assets.readText("model.json");
      fail("expected a missing asset");
    } catch (MissingModelFileException e) {
      assertEquals("Missing model file 'model.json' in app assets (app/src/main/assets)", e.getMessage());
    }
    try {
      assets.map("model.tflite");
      fail("expected a missing asset");
    } catch (MissingModelFileException e) {
      assertEquals("model.tflite", e.fileName());
    }
  }
}
