"""Run with the exp venv: rewrites models/tf_float_1d.tflite GATHER(table, ids) -> EMBEDDING_LOOKUP(ids, table)."""
import os
import flatbuffers, numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
m = schema.ModelT.InitFromPackedBuf(open(f"{D}/tf_float_1d.tflite", "rb").read(), 0)
code = schema.OperatorCodeT(); code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.EMBEDDING_LOOKUP; code.version = 1
m.operatorCodes.append(code); idx = len(m.operatorCodes) - 1
for op in m.subgraphs[0].operators:
    oc = m.operatorCodes[op.opcodeIndex]
    if max(oc.builtinCode, oc.deprecatedBuiltinCode) == schema.BuiltinOperator.GATHER:
        op.opcodeIndex = idx; op.inputs = [op.inputs[1], op.inputs[0]]
        op.builtinOptionsType = 0; op.builtinOptions = None
b = flatbuffers.Builder(1 << 20); b.Finish(m.Pack(b), file_identifier=b"TFL3")
open(f"{D}/tf_float_emb.tflite", "wb").write(b.Output())
table = np.load(f"{D}/table.npy"); ids = np.load(f"{D}/reps.npy")[0]
it = Interpreter(model_path=f"{D}/tf_float_emb.tflite"); it.allocate_tensors()
it.set_tensor(it.get_input_details()[0]["index"], ids); it.invoke()
print("emb float max diff", np.abs(it.get_tensor(it.get_output_details()[0]["index"])[0] - table[ids].mean(0) @ table.T).max())
