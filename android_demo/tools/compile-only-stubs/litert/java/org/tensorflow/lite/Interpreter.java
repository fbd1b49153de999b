// COMPILE-ONLY STUB — never shipped. Mirrors the members of LiteRT's
// org.tensorflow.lite.Interpreter that the app uses, so app/ can be type-checked without the AAR.
package org.tensorflow.lite;

import java.nio.ByteBuffer;
import java.util.Map;

public final class Interpreter implements AutoCloseable {

  public static class Options {
    public Options() {}

    public Options setNumThreads(int numThreads) {
      throw new UnsupportedOperationException("compile-only stub");
    }
  }

  public Interpreter(ByteBuffer byteBuffer, Options options) {
    throw new UnsupportedOperationException("compile-only stub");
  }

  public String[] getSignatureKeys() {
    throw new UnsupportedOperationException("compile-only stub");
  }

  public String[] getSignatureInputs(String signatureKey) {
    throw new UnsupportedOperationException("compile-only stub");
  }

  public String[] getSignatureOutputs(String signatureKey) {
    throw new UnsupportedOperationException("compile-only stub");
  }

  public Tensor getInputTensorFromSignature(String inputName, String signatureKey) {
    throw new UnsupportedOperationException("compile-only stub");
  }

  public Tensor getOutputTensorFromSignature(String outputName, String signatureKey) {
    throw new UnsupportedOperationException("compile-only stub");
  }

  public void runSignature(
      Map<String, Object> inputs, Map<String, Object> outputs, String signatureKey) {
    throw new UnsupportedOperationException("compile-only stub");
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException("compile-only stub");
  }
}
