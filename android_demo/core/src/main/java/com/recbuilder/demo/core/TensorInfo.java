package com.recbuilder.demo.core;

import java.util.Arrays;

/** Name, element type ("int32", "float32", ...) and shape of one model tensor (-1 = dynamic). */
public final class TensorInfo {
  private final String name;
  private final String dtype;
  private final int[] shape;

  public TensorInfo(String name, String dtype, int[] shape) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape.clone();
  }

  public String name() {
    return name;
  }

  public String dtype() {
    return dtype;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  /** The size of the last axis, or -1 for a scalar. */
  public int lastDim() {
    return shape.length == 0 ? -1 : shape[shape.length - 1];
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return name + ":" + dtype + shapeString();
  }
}
