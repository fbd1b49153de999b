"""Run with the exp venv. What do GATHER / EMBEDDING_LOOKUP actually output when their table is INT4?
Compares the op's raw output with the unpacked int4 rows (builtin kernels, no delegate)."""
import os
import flatbuffers, numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter, OpResolverType
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"); OPS = schema.BuiltinOperator
ids = np.load(f"{D}/reps.npy")[0]
def code(m, op): oc = m.operatorCodes[op.opcodeIndex]; return max(oc.builtinCode, oc.deprecatedBuiltinCode)
def unpack4(buf, shape):
    b = np.frombuffer(bytes(buf), np.uint8)
    v = np.stack([b & 0xF, b >> 4], -1).reshape(-1).astype(np.int8)
    v[v > 7] -= 16
    return v[: int(np.prod(shape))].reshape(shape)

for name, opc, tab_in in (("craft_gather_int4_out4", OPS.GATHER, 0), ("aeq_emb_a8w4_skipchecks", OPS.EMBEDDING_LOOKUP, 1)):
    m = schema.ModelT.InitFromPackedBuf(open(f"{D}/{name}.tflite", "rb").read(), 0); g = m.subgraphs[0]
    op = next(o for o in g.operators if code(m, o) == opc)
    t = g.tensors[op.inputs[tab_in]]; table4 = unpack4(m.buffers[t.buffer].data, list(t.shape))
    expect = table4[ids]
    # cut the graph after the lookup: its output is the model output
    g.operators = [op]; g.outputs = np.array(op.outputs, np.int32)
    m.signatureDefs = []
    b = flatbuffers.Builder(1 << 20); b.Finish(m.Pack(b), file_identifier=b"TFL3")
    p = f"{D}/cut_{name}.tflite"; open(p, "wb").write(b.Output())
    it = Interpreter(model_path=p, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors(); inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], ids.reshape(inp["shape"]).astype(np.int32)); it.invoke()
    od = it.get_output_details()[0]
    print(f"{name}: {schema_name(opc) if False else opc} output declared {od['dtype'].__name__}{list(od['shape'])}")
    try:
        o = it.get_tensor(od["index"])
        print("   raw output bytes:", o.nbytes, " first row raw:", o.reshape(-1)[:8], " expected int4 values:", expect.reshape(-1)[:8])
        flat = o.reshape(-1).astype(np.int16)
        print("   equals expected int4 values (unpacked int8)?", np.array_equal(flat[: expect.size], expect.reshape(-1)))
        # packed? (2 int4 per byte)
        pk = np.frombuffer(o.tobytes(), np.uint8)
        unp = np.stack([pk & 0xF, pk >> 4], -1).reshape(-1).astype(np.int8); unp[unp > 7] -= 16
        print("   equals expected if read as packed int4?", np.array_equal(unp[: expect.size], expect.reshape(-1)[: unp.size]) if unp.size >= expect.size else f"only {unp.size} nibbles")
    except Exception as e:
        print("   get_tensor failed:", type(e).__name__, e)
