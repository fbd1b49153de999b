package com.recbuilder.demo.jvm;

import com.sun.jna.Native;

/**
 * JNA direct mapping of the three per-call functions (lock/unlock a tensor buffer, run), so the
 * measured latency is LiteRT's and not JNA's reflective interface dispatch. Handles and size_t
 * are passed as {@code long} (LP64); see {@link LiteRtC} for the 2.3.0 signatures.
 */
final class LiteRtHotPath {
  static {
    Native.register("LiteRt");
  }

  private LiteRtHotPath() {}

  /** {@code LiteRtLockTensorBuffer(buffer, void** host_mem_addr, lock_mode)}. */
  static native int LiteRtLockTensorBuffer(long buffer, long hostAddressOut, int lockMode);

  static native int LiteRtUnlockTensorBuffer(long buffer);

  static native int LiteRtRunCompiledModel(
      long compiledModel,
      long signatureIndex,
      long numInputBuffers,
      long inputBuffers,
      long numOutputBuffers,
      long outputBuffers);
}
