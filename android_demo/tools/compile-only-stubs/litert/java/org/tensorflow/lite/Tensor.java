// COMPILE-ONLY STUB — never shipped. Mirrors the members of LiteRT's org.tensorflow.lite.Tensor
// that the app uses.
package org.tensorflow.lite;

public interface Tensor {
  DataType dataType();

  int[] shape();
}
