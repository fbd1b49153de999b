package com.recbuilder.demo.core;

/** The sidecar (model.json) is malformed or breaks the schema; the message names the key. */
public final class InvalidModelSpecException extends ModelException {
  private static final long serialVersionUID = 1L;

  public InvalidModelSpecException(String message) {
    super(message);
  }

  public InvalidModelSpecException(String message, Throwable cause) {
    super(message, cause);
  }
}
