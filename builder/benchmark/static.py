"""Static summary of a .tflite flatbuffer: sizes, op types, weight dtypes, sparsity.

Everything here reads the file only (via `ai_edge_litert.schema_py_generated`);
nothing is executed. Definitions:

- constant bytes: the bytes of every buffer that holds data and is referenced by a
  tensor, each buffer counted once even when several tensors or subgraphs share it;
  grouped by the tensor type (INT8, FLOAT32, INT32, ...).
- int8_share: INT8 constant bytes / all constant bytes.
- weights: constant tensors of a numeric weight type (float*, int8, uint8, int16);
  int32/int64/bool constants are shapes, indices and quantized biases and are left
  out. sparsity = elements equal to zero / elements, where "zero" for a quantized
  tensor means the stored value equals its zero point (real value 0.0).
"""
from __future__ import annotations

import gzip
from collections import Counter
from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema

_TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_NUMPY_TYPES: dict[str, Any] = {
    "FLOAT32": np.float32, "FLOAT16": np.float16, "FLOAT64": np.float64,
    "INT8": np.int8, "UINT8": np.uint8, "INT16": np.int16,
}
WEIGHT_TYPES = frozenset(_NUMPY_TYPES)


def type_name(tensor_type: int) -> str:
    """TensorType enum value -> name ("INT8", "FLOAT32", ...)."""
    return _TYPE_NAMES.get(tensor_type, f"TYPE_{tensor_type}")


def op_name(model: Any, opcode_index: int) -> str:
    """Builtin op name (e.g. "FULLY_CONNECTED") or "CUSTOM:<code>"."""
    code = model.operatorCodes[opcode_index]
    builtin = max(int(code.builtinCode or 0), int(code.deprecatedBuiltinCode or 0))
    if builtin == schema.BuiltinOperator.CUSTOM:
        custom = code.customCode
        return "CUSTOM:" + (custom.decode() if isinstance(custom, bytes) else str(custom))
    return _OP_NAMES.get(builtin, f"OP_{builtin}")


def buffer_bytes(model: Any, index: int, file_bytes: bytes) -> bytes | None:
    """The constant data of buffer `index`, inline or (for >2 GB models) at an offset."""
    if index <= 0 or index >= len(model.buffers or []):
        return None
    buf = model.buffers[index]
    if buf.data is not None and len(buf.data) > 0:
        return bytes(np.asarray(buf.data, dtype=np.uint8))
    if (buf.offset or 0) > 1 and (buf.size or 0) > 0:
        return file_bytes[buf.offset: buf.offset + buf.size]
    return None


def _zero_count(tensor: Any, values: np.ndarray) -> int:
    """Elements whose real value is 0 (for quantized tensors: stored == zero point)."""
    quant = tensor.quantization
    zero_points = None if quant is None else quant.zeroPoint
    if zero_points is None or len(zero_points) == 0 or values.dtype.kind == "f":
        return int(np.count_nonzero(values == 0))
    zp = np.asarray(zero_points, dtype=np.int64)
    if zp.size == 1:
        return int(np.count_nonzero(values == zp[0]))
    axis = int(quant.quantizedDimension or 0)
    shape = [1] * values.ndim
    shape[axis] = zp.size
    return int(np.count_nonzero(values.astype(np.int64) == zp.reshape(shape)))


def static_summary(model: Any, file_bytes: bytes) -> dict[str, Any]:
    """Sizes, op counts, constant bytes by type, int8 share and weight sparsity."""
    signature_of = {s.subgraphIndex: _decode(s.signatureKey) for s in model.signatureDefs or []}
    op_counts: Counter[str] = Counter()
    subgraphs = []
    seen: set[int] = set()
    bytes_by_type: Counter[str] = Counter()
    weight_elements = weight_zeros = weight_bytes = 0
    weight_zeros_by_type: Counter[str] = Counter()
    weight_elements_by_type: Counter[str] = Counter()
    for index, sub in enumerate(model.subgraphs or []):
        counts = Counter(op_name(model, op.opcodeIndex) for op in sub.operators or [])
        op_counts.update(counts)
        subgraphs.append({
            "index": index, "signature": signature_of.get(index),
            "num_operators": sum(counts.values()), "op_counts": dict(sorted(counts.items())),
        })
        for tensor in sub.tensors or []:
            if tensor.buffer in seen:
                continue
            data = buffer_bytes(model, tensor.buffer, file_bytes)
            if data is None:
                continue
            seen.add(tensor.buffer)
            tname = type_name(tensor.type)
            bytes_by_type[tname] += len(data)
            if tname not in WEIGHT_TYPES:
                continue
            values = np.frombuffer(data, dtype=_NUMPY_TYPES[tname])
            if tensor.shape is not None and len(tensor.shape) and values.size == int(np.prod(tensor.shape)):
                values = values.reshape([int(d) for d in tensor.shape])
            zeros = _zero_count(tensor, values)
            weight_elements += values.size
            weight_zeros += zeros
            weight_bytes += len(data)
            weight_elements_by_type[tname] += values.size
            weight_zeros_by_type[tname] += zeros
    constant_bytes = sum(bytes_by_type.values())
    return {
        "file_size_bytes": len(file_bytes),
        "gzip_size_bytes": len(gzip.compress(file_bytes, compresslevel=9, mtime=0)),
        "num_operators": sum(op_counts.values()),
        "op_counts": dict(sorted(op_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "subgraphs": subgraphs,
        "constant_bytes": constant_bytes,
        "constant_bytes_by_type": dict(sorted(bytes_by_type.items(), key=lambda kv: -kv[1])),
        "int8_share": (bytes_by_type["INT8"] / constant_bytes) if constant_bytes else 0.0,
        "weights": {
            "bytes": weight_bytes,
            "elements": weight_elements,
            "zeros": weight_zeros,
            "sparsity": (weight_zeros / weight_elements) if weight_elements else 0.0,
            "sparsity_by_type": {
                t: weight_zeros_by_type[t] / n for t, n in sorted(weight_elements_by_type.items()) if n
            },
        },
    }


def _decode(name: bytes | str | None) -> str:
    if name is None:
        return ""
    return name.decode() if isinstance(name, bytes) else name
