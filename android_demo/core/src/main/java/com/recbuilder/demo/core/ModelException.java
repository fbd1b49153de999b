package com.recbuilder.demo.core;

/**
 * Any reason a model cannot be used: a bad sidecar, a missing file, or a sidecar that does not
 * match the model. The message is written for a human and names the file and key involved, so the
 * app can show it as is.
 */
public class ModelException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
