package com.recbuilder.demo.jvm;

import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * JNA mapping of the part of LiteRT's C API (libLiteRt.so) that the JVM engine uses, written
 * against the ai-edge-litert 2.3.0 wheel (headers litert/c/litert_environment.h, litert_model.h,
 * litert_options.h, litert_compiled_model.h, litert_tensor_buffer.h of that era: for example
 * {@code LiteRtCreateModelFromFile} takes the environment as its first argument, which 2.1 did
 * not, and a wrong guess there fails as "Could not open '<garbage>'"). The C API changed between
 * releases; the test script refuses other wheel versions instead of risking a wrong ABI.
 *
 * <p>Handles are opaque pointers; {@code LiteRtParamIndex} and {@code size_t} are mapped to
 * {@link NativeLong}, which is 64-bit on the LP64 Linux targets this runs on. Every function
 * returning {@code int} returns a {@code LiteRtStatus} (0 = kLiteRtStatusOk).
 *
 * <p>JVM only, never shipped in the app (Android uses LiteRT's Java Interpreter API).
 */
public interface LiteRtC extends Library {
  int STATUS_OK = 0;
  int HW_ACCELERATOR_CPU = 1; // kLiteRtHwAcceleratorCpu = 1 << 0
  int LOCK_MODE_READ = 0; // kLiteRtTensorBufferLockModeRead
  int LOCK_MODE_WRITE = 1; // kLiteRtTensorBufferLockModeWrite

  // litert_environment.h
  int LiteRtCreateEnvironment(int numOptions, Pointer options, PointerByReference environment);

  void LiteRtDestroyEnvironment(Pointer environment);

  // litert_model.h
  /** 2.2+ signature: takes the environment first (2.1 had only filename and model). */
  int LiteRtCreateModelFromFile(Pointer environment, String filename, PointerByReference model);

  void LiteRtDestroyModel(Pointer model);

  int LiteRtGetNumModelSignatures(Pointer model, NativeLongByReference numSignatures);

  int LiteRtGetModelSignature(Pointer model, NativeLong index, PointerByReference signature);

  int LiteRtGetSignatureKey(Pointer signature, PointerByReference key);

  int LiteRtGetNumSignatureInputs(Pointer signature, NativeLongByReference numInputs);

  int LiteRtGetSignatureInputName(Pointer signature, NativeLong index, PointerByReference name);

  int LiteRtGetSignatureInputTensorByIndex(
      Pointer signature, NativeLong index, PointerByReference tensor);

  int LiteRtGetNumSignatureOutputs(Pointer signature, NativeLongByReference numOutputs);

  int LiteRtGetSignatureOutputName(Pointer signature, NativeLong index, PointerByReference name);

  int LiteRtGetSignatureOutputTensorByIndex(
      Pointer signature, NativeLong index, PointerByReference tensor);

  /** Writes a LiteRtRankedTensorType struct into caller memory. */
  int LiteRtGetRankedTensorType(Pointer tensor, Pointer rankedTensorType);

  // litert_options.h
  int LiteRtCreateOptions(PointerByReference options);

  int LiteRtSetOptionsHardwareAccelerators(Pointer options, int hardwareAccelerators);

  void LiteRtDestroyOptions(Pointer options);

  // litert_compiled_model.h
  int LiteRtCreateCompiledModel(
      Pointer environment, Pointer model, Pointer options, PointerByReference compiledModel);

  void LiteRtDestroyCompiledModel(Pointer compiledModel);

  int LiteRtGetCompiledModelInputBufferRequirements(
      Pointer compiledModel,
      NativeLong signatureIndex,
      NativeLong inputIndex,
      PointerByReference requirements);

  int LiteRtGetCompiledModelOutputBufferRequirements(
      Pointer compiledModel,
      NativeLong signatureIndex,
      NativeLong outputIndex,
      PointerByReference requirements);

  // LiteRtRunCompiledModel, LiteRtLockTensorBuffer and LiteRtUnlockTensorBuffer are called per
  // inference and live in LiteRtHotPath (JNA direct mapping, much cheaper per call).

  // litert_tensor_buffer.h
  int LiteRtCreateManagedTensorBufferFromRequirements(
      Pointer environment,
      Pointer rankedTensorType,
      Pointer requirements,
      PointerByReference buffer);

  int LiteRtGetTensorBufferPackedSize(Pointer buffer, NativeLongByReference size);

  void LiteRtDestroyTensorBuffer(Pointer buffer);
}
