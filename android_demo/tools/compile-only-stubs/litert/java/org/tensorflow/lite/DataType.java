// COMPILE-ONLY STUB — never shipped. Mirrors LiteRT's org.tensorflow.lite.DataType constants.
package org.tensorflow.lite;

public enum DataType {
  FLOAT32,
  INT32,
  UINT8,
  INT64,
  STRING,
  BOOL,
  INT16,
  INT8
}
