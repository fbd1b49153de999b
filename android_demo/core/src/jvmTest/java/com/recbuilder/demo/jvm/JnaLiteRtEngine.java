package com.recbuilder.demo.jvm;

import com.recbuilder.demo.core.Engine;
import com.recbuilder.demo.core.MissingModelFileException;
import com.recbuilder.demo.core.ModelContract;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.ObservedModel;
import com.recbuilder.demo.core.TensorInfo;
import com.recbuilder.demo.core.TopK;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link Engine} on the host JVM that runs the very same .tflite through LiteRT's C API
 * (libLiteRt.so from the ai-edge-litert wheel) via JNA: environment -> model -> CPU compiled
 * model -> managed tensor buffers -> {@code LiteRtRunCompiledModel} on the signature whose key is
 * "recommend". JVM-only: used for parity and latency checks, never shipped in the app.
 */
public final class JnaLiteRtEngine implements Engine {
  /** Room for LiteRtRankedTensorType (48 bytes in 2.3.0); the struct is only passed back as is. */
  private static final int RANKED_TYPE_BYTES = 256;

  private static final int MAX_RANK = 8; // LITERT_TENSOR_MAX_RANK

  private final LiteRtC c;
  private final Path modelPath;

  private Pointer environment;
  private Pointer model;
  private Pointer options;
  private Pointer compiled;
  private final List<Pointer> buffers = new ArrayList<>();
  private final List<Memory> rankedTypes = new ArrayList<>(); // kept alive with the buffers
  private NativeLong recommendIndex;
  private Pointer historyBuffer;
  private Pointer idsBuffer;
  private Pointer scoresBuffer;
  private Memory inputArray;
  private Memory outputArray;
  private final Memory hostAddress = new Memory(Native.POINTER_SIZE); // void** for lock()
  private int numInputs;
  private int numOutputs;
  private int historyLength;
  private int k;

  public JnaLiteRtEngine(LiteRtC c, Path modelPath) {
    this.c = c;
    this.modelPath = modelPath;
  }

  /** Loads libLiteRt.so from {@code jna.library.path} (the wheel's ai_edge_litert directory). */
  public static LiteRtC loadLibrary() {
    return Native.load("LiteRt", LiteRtC.class);
  }

  @Override
  public void load(ModelSpec spec) throws ModelException {
    if (model != null) {
      throw new IllegalStateException("already loaded");
    }
    if (!Files.isRegularFile(modelPath)) {
      throw new MissingModelFileException(
          modelPath.getFileName().toString(), String.valueOf(modelPath.toAbsolutePath().getParent()));
    }
    try {
      PointerByReference ref = new PointerByReference();
      check(c.LiteRtCreateEnvironment(0, null, ref), "LiteRtCreateEnvironment");
      environment = ref.getValue();
      check(c.LiteRtCreateModelFromFile(environment, modelPath.toString(), ref), "LiteRtCreateModelFromFile");
      model = ref.getValue();

      ObservedModel observed = inspect(spec);
      ModelContract.check(spec, observed);
      historyLength = spec.historyLength();
      k = spec.k();

      check(c.LiteRtCreateOptions(ref), "LiteRtCreateOptions");
      options = ref.getValue();
      check(
          c.LiteRtSetOptionsHardwareAccelerators(options, LiteRtC.HW_ACCELERATOR_CPU),
          "LiteRtSetOptionsHardwareAccelerators");
      check(c.LiteRtCreateCompiledModel(environment, model, options, ref), "LiteRtCreateCompiledModel");
      compiled = ref.getValue();
      createBuffers(spec);
    } catch (ModelException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Reads signatures and tensor types from the model, in runtime-neutral terms. */
  private ObservedModel inspect(ModelSpec spec) throws ModelException {
    NativeLongByReference count = new NativeLongByReference();
    check(c.LiteRtGetNumModelSignatures(model, count), "LiteRtGetNumModelSignatures");
    List<String> keys = new ArrayList<>();
    Map<String, TensorInfo> inputs = new LinkedHashMap<>();
    Map<String, TensorInfo> outputs = new LinkedHashMap<>();
    TensorInfo scores = null;
    for (long i = 0; i < count.getValue().longValue(); i++) {
      Pointer signature = signature(i);
      PointerByReference keyRef = new PointerByReference();
      check(c.LiteRtGetSignatureKey(signature, keyRef), "LiteRtGetSignatureKey");
      String key = keyRef.getValue().getString(0);
      keys.add(key);
      if (ModelSpec.RECOMMEND_SIGNATURE.equals(key)) {
        recommendIndex = new NativeLong(i);
        inputs = tensors(signature, true);
        outputs = tensors(signature, false);
      } else if (ModelSpec.SCORES_SIGNATURE.equals(key)) {
        scores = tensors(signature, false).get(ModelSpec.SCORES);
      }
    }
    return new ObservedModel(modelPath.getFileName().toString(), keys, inputs, outputs, scores);
  }

  private Pointer signature(long index) throws ModelException {
    PointerByReference ref = new PointerByReference();
    check(c.LiteRtGetModelSignature(model, new NativeLong(index), ref), "LiteRtGetModelSignature");
    return ref.getValue();
  }

  private Map<String, TensorInfo> tensors(Pointer signature, boolean inputs) throws ModelException {
    NativeLongByReference count = new NativeLongByReference();
    check(
        inputs
            ? c.LiteRtGetNumSignatureInputs(signature, count)
            : c.LiteRtGetNumSignatureOutputs(signature, count),
        "LiteRtGetNumSignature" + (inputs ? "Inputs" : "Outputs"));
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    for (long i = 0; i < count.getValue().longValue(); i++) {
      String name = tensorName(signature, i, inputs);
      Memory type = rankedType(signature, i, inputs);
      out.put(name, describe(name, type));
    }
    return out;
  }

  private String tensorName(Pointer signature, long index, boolean input) throws ModelException {
    PointerByReference ref = new PointerByReference();
    NativeLong i = new NativeLong(index);
    check(
        input
            ? c.LiteRtGetSignatureInputName(signature, i, ref)
            : c.LiteRtGetSignatureOutputName(signature, i, ref),
        "LiteRtGetSignature" + (input ? "Input" : "Output") + "Name");
    return ref.getValue().getString(0);
  }

  private Memory rankedType(Pointer signature, long index, boolean input) throws ModelException {
    PointerByReference tensor = new PointerByReference();
    NativeLong i = new NativeLong(index);
    check(
        input
            ? c.LiteRtGetSignatureInputTensorByIndex(signature, i, tensor)
            : c.LiteRtGetSignatureOutputTensorByIndex(signature, i, tensor),
        "LiteRtGetSignature" + (input ? "Input" : "Output") + "TensorByIndex");
    Memory type = new Memory(RANKED_TYPE_BYTES);
    type.clear();
    check(c.LiteRtGetRankedTensorType(tensor.getValue(), type), "LiteRtGetRankedTensorType");
    return type;
  }

  /**
   * Decodes LiteRtRankedTensorType {LiteRtElementType element_type; LiteRtLayout layout;} with
   * LiteRtLayout {uint32 rank; int32 dimensions[8]; ...}. The low 7 bits of the rank word are
   * the rank in both the 2.x layouts seen (bitfield and plain uint32).
   */
  static TensorInfo describe(String name, Memory type) throws ModelException {
    int elementType = type.getInt(0);
    int rank = type.getInt(4) & 0x7f;
    if (rank > MAX_RANK) {
      throw new ModelException(
          "unexpected LiteRtRankedTensorType layout for '" + name + "' (rank " + rank
              + "); these bindings target ai-edge-litert 2.3.0");
    }
    int[] shape = new int[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = type.getInt(8 + 4L * d);
    }
    return new TensorInfo(name, elementTypeName(elementType), shape);
  }

  /** LiteRtElementType values mirror TfLiteType. */
  static String elementTypeName(int elementType) {
    switch (elementType) {
      case 1:
        return "float32";
      case 2:
        return "int32";
      case 3:
        return "uint8";
      case 4:
        return "int64";
      case 6:
        return "bool";
      case 7:
        return "int16";
      case 9:
        return "int8";
      case 10:
        return "float16";
      case 11:
        return "float64";
      default:
        return "type#" + elementType;
    }
  }

  private void createBuffers(ModelSpec spec) throws ModelException {
    Pointer signature = signature(recommendIndex.longValue());
    NativeLongByReference count = new NativeLongByReference();
    check(c.LiteRtGetNumSignatureInputs(signature, count), "LiteRtGetNumSignatureInputs");
    numInputs = count.getValue().intValue();
    check(c.LiteRtGetNumSignatureOutputs(signature, count), "LiteRtGetNumSignatureOutputs");
    numOutputs = count.getValue().intValue();
    inputArray = new Memory((long) Native.POINTER_SIZE * numInputs);
    outputArray = new Memory((long) Native.POINTER_SIZE * numOutputs);
    for (int i = 0; i < numInputs; i++) {
      Pointer buffer = buffer(signature, i, true);
      inputArray.setPointer((long) Native.POINTER_SIZE * i, buffer);
      if (spec.inputName().equals(tensorName(signature, i, true))) {
        historyBuffer = buffer;
      }
    }
    for (int i = 0; i < numOutputs; i++) {
      Pointer buffer = buffer(signature, i, false);
      outputArray.setPointer((long) Native.POINTER_SIZE * i, buffer);
      String name = tensorName(signature, i, false);
      if (ModelSpec.TOP_IDS.equals(name)) {
        idsBuffer = buffer;
      } else if (ModelSpec.TOP_SCORES.equals(name)) {
        scoresBuffer = buffer;
      }
    }
    // Cross-check the decoded shapes with what the runtime allocated.
    requirePackedSize(historyBuffer, 4L * historyLength, spec.inputName());
    requirePackedSize(idsBuffer, 4L * k, ModelSpec.TOP_IDS);
    requirePackedSize(scoresBuffer, 4L * k, ModelSpec.TOP_SCORES);
  }

  private Pointer buffer(Pointer signature, int index, boolean input) throws ModelException {
    PointerByReference requirements = new PointerByReference();
    NativeLong i = new NativeLong(index);
    check(
        input
            ? c.LiteRtGetCompiledModelInputBufferRequirements(compiled, recommendIndex, i, requirements)
            : c.LiteRtGetCompiledModelOutputBufferRequirements(compiled, recommendIndex, i, requirements),
        "LiteRtGetCompiledModel" + (input ? "Input" : "Output") + "BufferRequirements");
    Memory type = rankedType(signature, index, input);
    rankedTypes.add(type);
    PointerByReference buffer = new PointerByReference();
    check(
        c.LiteRtCreateManagedTensorBufferFromRequirements(
            environment, type, requirements.getValue(), buffer),
        "LiteRtCreateManagedTensorBufferFromRequirements");
    buffers.add(buffer.getValue());
    return buffer.getValue();
  }

  private void requirePackedSize(Pointer buffer, long expected, String name) throws ModelException {
    NativeLongByReference size = new NativeLongByReference();
    check(c.LiteRtGetTensorBufferPackedSize(buffer, size), "LiteRtGetTensorBufferPackedSize");
    if (size.getValue().longValue() != expected) {
      throw new ModelException(
          "LiteRT allocated " + size.getValue() + " bytes for '" + name + "', expected " + expected);
    }
  }

  @Override
  public TopK recommend(int[] history) throws ModelException {
    if (compiled == null) {
      throw new IllegalStateException("recommend() before a successful load()");
    }
    if (history.length != historyLength) {
      throw new IllegalArgumentException(
          "history has length " + history.length + ", the model expects " + historyLength);
    }
    Pointer host = lock(historyBuffer, LiteRtC.LOCK_MODE_WRITE);
    host.write(0, history, 0, history.length);
    unlock(historyBuffer);

    check(
        LiteRtHotPath.LiteRtRunCompiledModel(
            Pointer.nativeValue(compiled),
            recommendIndex.longValue(),
            numInputs,
            Pointer.nativeValue(inputArray),
            numOutputs,
            Pointer.nativeValue(outputArray)),
        "LiteRtRunCompiledModel");

    int[] ids = new int[k];
    float[] scores = new float[k];
    lock(idsBuffer, LiteRtC.LOCK_MODE_READ).read(0, ids, 0, k);
    unlock(idsBuffer);
    lock(scoresBuffer, LiteRtC.LOCK_MODE_READ).read(0, scores, 0, k);
    unlock(scoresBuffer);
    return new TopK(ids, scores);
  }

  /** Locks a buffer and returns its host address (hot path: direct-mapped, no allocation). */
  private Pointer lock(Pointer buffer, int mode) throws ModelException {
    check(
        LiteRtHotPath.LiteRtLockTensorBuffer(
            Pointer.nativeValue(buffer), Pointer.nativeValue(hostAddress), mode),
        "LiteRtLockTensorBuffer");
    return hostAddress.getPointer(0);
  }

  private static void unlock(Pointer buffer) throws ModelException {
    check(
        LiteRtHotPath.LiteRtUnlockTensorBuffer(Pointer.nativeValue(buffer)),
        "LiteRtUnlockTensorBuffer");
  }

  @Override
  public void close() {
    for (Pointer buffer : buffers) {
      c.LiteRtDestroyTensorBuffer(buffer);
    }
    buffers.clear();
    rankedTypes.clear();
    if (compiled != null) {
      c.LiteRtDestroyCompiledModel(compiled);
      compiled = null;
    }
    if (options != null) {
      // 2.3.0: "compilation_options ... is owned by the caller" (litert_compiled_model.h).
      c.LiteRtDestroyOptions(options);
      options = null;
    }
    if (model != null) {
      c.LiteRtDestroyModel(model);
      model = null;
    }
    if (environment != null) {
      c.LiteRtDestroyEnvironment(environment);
      environment = null;
    }
  }

  private static void check(int status, String function) throws ModelException {
    if (status != LiteRtC.STATUS_OK) {
      throw new ModelException("LiteRT C API " + function + " failed with LiteRtStatus " + status);
    }
  }
}
