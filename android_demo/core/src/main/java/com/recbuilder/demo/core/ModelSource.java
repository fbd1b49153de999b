package com.recbuilder.demo.core;

import java.util.List;

/** Where model files live: the APK's assets on Android, a directory on the JVM, a map in tests. */
public interface ModelSource {

  /** For messages, e.g. "app assets" or "/tmp/run". */
  String describe();

  /** File names at the root of the source. */
  List<String> list() throws ModelException;

  /** The file as UTF-8 text; {@link MissingModelFileException} when it is not there. */
  String readText(String name) throws ModelException;

  /** The file's size in bytes; {@link MissingModelFileException} when it is not there. */
  long size(String name) throws ModelException;
}
