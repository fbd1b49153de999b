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

The graph's own cost (`graph`), beside the weights:

- graph_bytes: file bytes that are not constant data (operators, tensor descriptors,
  quantization parameters, signatures, metadata, alignment): file size - constant bytes.
- item_table_bytes: constant buffers that are an item table: the table operand of a
  GATHER / EMBEDDING_LOOKUP, or a rank-2 constant with one row per item (N = the width of
  the `scores` output; e.g. the scoring copy of a table). non_table_bytes = file - that:
  what the file costs apart from the catalog, which grows with N.
- per subgraph (signature): operators, tensors, `constant_bytes` of the buffers it
  references, and `activation_bytes`: the bytes of its non-constant tensors (inputs,
  outputs, intermediates) at their static shapes, a dynamic dimension counted as 1 (one
  history). It is what the graph computes per call; LiteRT's arena reuses memory, so the
  arena itself is smaller.
"""
from __future__ import annotations

import gzip
from collections import Counter
from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema

_TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_OP_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_TYPE_BYTES = {"FLOAT32": 4, "FLOAT16": 2, "FLOAT64": 8, "INT8": 1, "UINT8": 1, "INT16": 2, "INT32": 4,
               "INT64": 8, "BOOL": 1, "UINT32": 4, "UINT16": 2, "INT4": 1}
_LOOKUP_TABLE_INPUT = {"GATHER": 0, "EMBEDDING_LOOKUP": 1}  # which operand is the table
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
    items = catalog_size(model)
    table_buffers: set[int] = set()
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
        lookups = _lookup_tables(model, sub)
        activations, own = 0, {}
        for t_index, tensor in enumerate(sub.tensors or []):
            data = buffer_bytes(model, tensor.buffer, file_bytes)
            if data is None:
                activations += _tensor_bytes(tensor)
                continue
            own[tensor.buffer] = len(data)
            if t_index in lookups or _one_row_per_item(tensor, items):
                table_buffers.add(tensor.buffer)
            if tensor.buffer in seen:
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
        subgraphs.append({
            "index": index, "signature": signature_of.get(index),
            "num_operators": sum(counts.values()), "op_counts": dict(sorted(counts.items())),
            "num_tensors": len(sub.tensors or []), "constant_bytes": sum(own.values()),
            "activation_bytes": activations,
        })
    constant_bytes = sum(bytes_by_type.values())
    table_bytes = sum(len(buffer_bytes(model, b, file_bytes) or b"") for b in table_buffers)
    return {
        "file_size_bytes": len(file_bytes),
        "gzip_size_bytes": len(gzip.compress(file_bytes, compresslevel=9, mtime=0)),
        "num_operators": sum(op_counts.values()),
        "op_counts": dict(sorted(op_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "subgraphs": subgraphs,
        "constant_bytes": constant_bytes,
        "constant_bytes_by_type": dict(sorted(bytes_by_type.items(), key=lambda kv: -kv[1])),
        "int8_share": (bytes_by_type["INT8"] / constant_bytes) if constant_bytes else 0.0,
        "graph": {
            "graph_bytes": len(file_bytes) - constant_bytes,
            "item_table_bytes": table_bytes,
            "non_table_bytes": len(file_bytes) - table_bytes,
            "num_items": items,
            "by_signature": {g["signature"] or f"subgraph{g['index']}": {
                k: g[k] for k in ("num_operators", "num_tensors", "constant_bytes", "activation_bytes")}
                for g in subgraphs},
        },
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


def catalog_size(model: Any) -> int | None:
    """N, the width of the `scores` signature's output (None without that signature)."""
    for sig in model.signatureDefs or []:
        if _decode(sig.signatureKey) == "scores" and sig.outputs:
            shape = model.subgraphs[sig.subgraphIndex].tensors[sig.outputs[0].tensorIndex].shape
            return int(shape[-1]) if shape is not None and len(shape) else None
    return None


def _tensor_bytes(tensor: Any) -> int:
    """Bytes of a tensor at its static shape (a dynamic dimension, -1, counted as 1)."""
    shape = [] if tensor.shape is None else [max(int(d), 1) for d in tensor.shape]
    return int(np.prod(shape, dtype=np.int64)) * _TYPE_BYTES.get(type_name(tensor.type), 4)


def _lookup_tables(model: Any, sub: Any) -> set[int]:
    """Tensor indices of `sub` that a GATHER / EMBEDDING_LOOKUP reads rows from."""
    out = set()
    for op in sub.operators or []:
        which = _LOOKUP_TABLE_INPUT.get(op_name(model, op.opcodeIndex))
        if which is not None and op.inputs is not None and len(op.inputs) > which:
            out.add(int(op.inputs[which]))
    return out


def _one_row_per_item(tensor: Any, items: int | None) -> bool:
    shape = [] if tensor.shape is None else [int(d) for d in tensor.shape]
    return bool(items) and len(shape) == 2 and shape[0] == items


def _decode(name: bytes | str | None) -> str:
    if name is None:
        return ""
    return name.decode() if isinstance(name, bytes) else name
