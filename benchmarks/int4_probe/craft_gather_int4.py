"""Run with the exp venv. Hand-edits aeq_a8w4_fc_tensorwise.tflite (GATHER int8 table + FC int4 per-tensor table)
so GATHER reads the FC's INT4 table (one 4-bit table for both ops), and drops the int8 copy.
  craft_gather_int4_out8: GATHER(INT4 table) -> INT8 output (scale = table scale, zp 0)
  craft_gather_int4_out4: GATHER(INT4 table) -> INT4 output, then the existing QUANTIZE -> INT8
Same edit on aeq_emb_a8w4_skipchecks (EMBEDDING_LOOKUP int4 -> int8) is not needed: AEQ produced that one."""
import os
import copy, flatbuffers, numpy as np
from ai_edge_litert import schema_py_generated as schema
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
src = open(f"{D}/aeq_a8w4_fc_tensorwise.tflite", "rb").read()
OPS = schema.BuiltinOperator
def code(m, op): oc = m.operatorCodes[op.opcodeIndex]; return max(oc.builtinCode, oc.deprecatedBuiltinCode)
for variant in ("out8", "out4"):
    m = schema.ModelT.InitFromPackedBuf(src, 0); g = m.subgraphs[0]
    gather = next(op for op in g.operators if code(m, op) == OPS.GATHER)
    fc = next(op for op in g.operators if code(m, op) == OPS.FULLY_CONNECTED)
    w4 = fc.inputs[1]; old = gather.inputs[0]; out = gather.outputs[0]
    assert g.tensors[w4].type == schema.TensorType.INT4
    gather.inputs = np.array([w4, gather.inputs[1]], np.int32)
    m.buffers[g.tensors[old].buffer].data = None           # drop the int8 copy
    g.tensors[old].buffer = 0
    qo = g.tensors[out].quantization
    qo.scale = np.array(g.tensors[w4].quantization.scale, np.float32); qo.zeroPoint = np.zeros(1, np.int64)
    if variant == "out4":
        g.tensors[out].type = schema.TensorType.INT4
    b = flatbuffers.Builder(1 << 20); b.Finish(m.Pack(b), file_identifier=b"TFL3")
    open(f"{D}/craft_gather_int4_{variant}.tflite", "wb").write(b.Output())
    print(variant, len(b.Output()), "bytes")

# craft_gather_int4_deq: GATHER(INT4 table) -> INT4 rows -> DEQUANTIZE -> FLOAT32 [1,L,D] -> QUANTIZE -> INT8 -> MEAN -> FC(int4)
# (the only consumer of an INT4 activation found to accept it is DEQUANTIZE; float is just the L gathered rows)
m = schema.ModelT.InitFromPackedBuf(open(f"{D}/craft_gather_int4_out4.tflite", "rb").read(), 0); g = m.subgraphs[0]
gather = next(op for op in g.operators if code(m, op) == OPS.GATHER)
quant = next(op for op in g.operators if code(m, op) == OPS.QUANTIZE)
rows4 = gather.outputs[0]
ft = schema.TensorT(); ft.type = schema.TensorType.FLOAT32; ft.shape = np.array(g.tensors[rows4].shape, np.int32)
ft.buffer = 0; ft.name = b"rows_float"; g.tensors.append(ft); fidx = len(g.tensors) - 1
oc = schema.OperatorCodeT(); oc.builtinCode = oc.deprecatedBuiltinCode = OPS.DEQUANTIZE; oc.version = 1
m.operatorCodes.append(oc)
deq = schema.OperatorT(); deq.opcodeIndex = len(m.operatorCodes) - 1
deq.inputs = np.array([rows4], np.int32); deq.outputs = np.array([fidx], np.int32)
quant.inputs = np.array([fidx], np.int32)
g.operators.insert(1, deq)
b = flatbuffers.Builder(1 << 20); b.Finish(m.Pack(b), file_identifier=b"TFL3")
open(f"{D}/craft_gather_int4_deq.tflite", "wb").write(b.Output()); print("deq", len(b.Output()), "bytes")
