package com.recbuilder.demo.core;

/**
 * The sidecar and the .tflite disagree (input length, vocabulary size, K, a missing signature or
 * tensor): running anyway would give silently wrong answers, so this is an error.
 */
public final class ModelMismatchException extends ModelException {
  private static final long serialVersionUID = 1L;

  public ModelMismatchException(String message) {
    super(message);
  }
}
