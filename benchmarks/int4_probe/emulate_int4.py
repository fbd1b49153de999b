"""Run with the exp venv. Numpy emulation of int4 tables (no activation quantization) vs the float reference,
to separate what int4 itself costs from kernel errors; and the crafted shared-int4 model vs that emulation."""
import os
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
T = np.load(f"{D}/table.npy").astype(np.float64); reps = np.load(f"{D}/reps.npy")[:32]
ref = np.stack([T[r].mean(0) @ T.T for r in reps])
def q(t, bits, axis=None):
    qmax = 2 ** (bits - 1) - 1
    s = np.abs(t).max(axis=axis, keepdims=axis is not None) / qmax
    return np.clip(np.round(t / s), -qmax, qmax) * s
def top(a, b): return np.mean([len(set(np.argsort(-x)[:10]) & set(np.argsort(-y)[:10])) / 10 for x, y in zip(a, b)])
for name, Tg, Tf in (("int8 per-tensor lookup + int8 per-row FC", q(T, 8), q(T, 8, 1)),
                     ("int4 per-tensor both (one shared table)", q(T, 4), q(T, 4)),
                     ("int8 per-tensor lookup + int4 per-row FC", q(T, 8), q(T, 4, 1)),
                     ("int4 per-row both (hybrid/dynamic only)", q(T, 4, 1), q(T, 4, 1))):
    s = np.stack([Tg[r].mean(0) @ Tf.T for r in reps])
    print(f"{name:45s} max|diff|={np.abs(s-ref).max():.5f} mean|diff|={np.abs(s-ref).mean():.5f} top10={top(s, ref):.2f}")
emu = np.stack([q(T, 4)[r].mean(0) @ q(T, 4).T for r in reps])
for f in ("craft_gather_int4_deq", "aeq_a8w4_fc_tensorwise", "craft_gather_int4_out8", "aeq_emb_a8w4_skipchecks"):
    for res in (OpResolverType.AUTO, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES):
        outs = []
        try:
            it = Interpreter(model_path=f"{D}/{f}.tflite", experimental_op_resolver_type=res); it.allocate_tensors()
            i, o = it.get_input_details()[0], it.get_output_details()[0]
            for r in reps:
                it.set_tensor(i["index"], r.reshape(i["shape"]).astype(np.int32)); it.invoke()
                sc, zp = o["quantization"]; outs.append((it.get_tensor(o["index"])[0].astype(np.float64) - zp) * sc)
        except Exception as e:
            print(f"{f} [{res.name}]: {type(e).__name__} {str(e).splitlines()[0][:120]}"); continue
        outs = np.stack(outs); lo, hi = (-128 - zp) * sc, (127 - zp) * sc
        print(f"{f} [{res.name}]: vs float: mean|diff|={np.abs(outs-ref).mean():.5f} top10={top(outs, ref):.2f}; "
              f"vs int4-per-tensor emulation: mean|diff|={np.abs(outs-emu).mean():.5f} top10={top(outs, emu):.2f}; "
              f"output int8 range [{lo:.4f},{hi:.4f}] vs float max {np.abs(ref).max():.4f}")
