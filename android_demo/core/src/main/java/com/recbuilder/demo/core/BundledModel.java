package com.recbuilder.demo.core;

/** A sidecar found in a {@link ModelSource}: either a usable spec, or the reason it is not. */
public final class BundledModel {
  private final String sidecarName;
  private final ModelSpec spec;
  private final long modelBytes;
  private final ModelException error;

  private BundledModel(String sidecarName, ModelSpec spec, long modelBytes, ModelException error) {
    this.sidecarName = sidecarName;
    this.spec = spec;
    this.modelBytes = modelBytes;
    this.error = error;
  }

  static BundledModel ok(String sidecarName, ModelSpec spec, long modelBytes) {
    return new BundledModel(sidecarName, spec, modelBytes, null);
  }

  static BundledModel failed(String sidecarName, ModelException error) {
    return new BundledModel(sidecarName, null, -1, error);
  }

  public String sidecarName() {
    return sidecarName;
  }

  public boolean isUsable() {
    return error == null;
  }

  /** The spec, or throws the reason the model cannot be used. */
  public ModelSpec spec() throws ModelException {
    if (error != null) {
      throw error;
    }
    return spec;
  }

  /** Size of the .tflite in bytes (-1 when unusable). */
  public long modelBytes() {
    return modelBytes;
  }

  /** Null when usable. */
  public ModelException error() {
    return error;
  }

  /** A short label for lists: stage (or sidecar name when unusable). */
  public String label() {
    return error == null ? spec.stage() + " (" + spec.modelFile() + ")" : sidecarName;
  }
}
