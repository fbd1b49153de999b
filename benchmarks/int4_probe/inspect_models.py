"""Run with a venv with ai-edge-quantizer==0.10.0 (see FINDINGS.md). For each .tflite: bytes, ops with input/output tensor
types (constant or not), load/invoke with ai_edge_litert 2.3.0, max |diff| vs the float model,
DEQUANTIZE ops and float tensors, and rough invoke() timing (default delegates = XNNPACK, and builtin only)."""
import glob, os, sys, time, json, numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter, OpResolverType

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
TYPES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
OPS = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
reps = np.load(f"{D}/reps.npy"); table = np.load(f"{D}/table.npy")
ref = np.stack([table[r].mean(0) @ table.T for r in reps[:32]])  # float reference scores

def describe(path):
    blob = open(path, "rb").read()
    m = schema.ModelT.InitFromPackedBuf(blob, 0)
    g = m.subgraphs[0]
    def tdesc(i):
        if i < 0: return "-"
        t = g.tensors[i]; buf = m.buffers[t.buffer]
        nbytes = len(buf.data) if buf.data is not None else (buf.size or 0)
        const = nbytes > 0
        q = t.quantization
        qs = ""
        if q is not None and q.scale is not None and len(q.scale):
            qs = f" q(n_scales={len(q.scale)},axis={q.quantizedDimension})"
        return f"{TYPES[t.type]}{[int(x) for x in t.shape]}{' CONST %dB' % nbytes if const else ''}{qs}"
    ops = []
    for op in g.operators:
        oc = m.operatorCodes[op.opcodeIndex]
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        ops.append(f"{OPS.get(code, code)}({', '.join(tdesc(i) for i in op.inputs)}) -> {', '.join(tdesc(i) for i in op.outputs)}")
    const_by_type = {}
    for t in g.tensors:
        b = m.buffers[t.buffer]; n = len(b.data) if b.data is not None else (b.size or 0)
        if n: const_by_type[TYPES[t.type]] = const_by_type.get(TYPES[t.type], 0) + n
    return len(blob), ops, const_by_type, len(g.tensors)

def run(path, resolver=OpResolverType.AUTO, timing=0, n_model_tensors=0):
    it = Interpreter(model_path=path, experimental_op_resolver_type=resolver, num_threads=1)
    it.allocate_tensors()
    try:
        plan = [o["op_name"] for o in it._get_ops_details()]
    except Exception as e:
        plan = [f"?{e}"]
    inp = it.get_input_details()[0]; out = it.get_output_details()[0]
    outs = []
    for r in reps[:32]:
        it.set_tensor(inp["index"], r.reshape(inp["shape"]).astype(inp["dtype"])); it.invoke()
        o = it.get_tensor(out["index"]).astype(np.float64)
        if out["quantization"][0]: o = (o - out["quantization"][1]) * out["quantization"][0]
        outs.append(o[0])
    outs = np.stack(outs)
    t = None
    if timing:
        it.set_tensor(inp["index"], reps[0].reshape(inp["shape"]).astype(inp["dtype"]))
        t0 = time.perf_counter()
        for _ in range(timing): it.invoke()
        t = (time.perf_counter() - t0) / timing * 1e6
    # tensors that hold float data at run time (after invoke): size of float tensors
    float_rt = sum(d["shape"].prod() * 4 for d in it.get_tensor_details() if d["dtype"] == np.float32 and len(d["shape"]))
    extra = [(d["dtype"].__name__, tuple(int(x) for x in d["shape"])) for d in it.get_tensor_details() if d["index"] >= n_model_tensors]
    return outs, t, float_rt, plan, extra

names = sys.argv[1:] or sorted(glob.glob(f"{D}/*.tflite"))
for p in names:
    name = os.path.basename(p)[:-7]
    size, ops, cbt, nt = describe(p)
    print(f"## {name}  bytes={size}  const bytes by type={cbt}")
    for o in ops: print("   ", o)
    for res, lab in ((OpResolverType.AUTO, "default(XNNPACK)"), (OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES, "builtin-only")):
        try:
            outs, t, frt, plan, extra = run(p, res, timing=300, n_model_tensors=nt)
            diff = np.abs(outs - ref).max()
            top_agree = np.mean([len(set(np.argsort(-a)[:10]) & set(np.argsort(-b)[:10])) / 10 for a, b in zip(outs, ref)])
            print(f"    {lab}: loads+runs OK, max|diff| vs float ref={diff:.5f} (score range +-{np.abs(ref).max():.4f}), "
                  f"top10 overlap={top_agree:.2f}, invoke={t:.1f} us, float32 tensor bytes (non-scalar)={frt}")
            print(f"      execution plan={plan}; runtime-added tensors (kernel temporaries etc.)={extra}")
        except Exception as e:
            print(f"    {lab}: FAILED {type(e).__name__}: {str(e).strip().splitlines()[0][:300]}")
    sys.stdout.flush()
