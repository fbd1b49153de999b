package com.recbuilder.demo.core;

/** A file the demo needs (a .tflite or its .json sidecar) is not where it should be. */
public final class MissingModelFileException extends ModelException {
  private static final long serialVersionUID = 1L;

  private final String fileName;

  public MissingModelFileException(String fileName, String where) {
    super("Missing model file '" + fileName + "' in " + where);
    this.fileName = fileName;
  }

  public String fileName() {
    return fileName;
  }
}
