"""Run with the exp venv (ai-edge-quantizer 0.10.0). Applies AEQ recipes to the float models."""
import os, sys, json, traceback, numpy as np
from ai_edge_quantizer import quantizer
from ai_edge_litert.interpreter import Interpreter
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
reps = np.load(f"{D}/reps.npy")

def w(bits, gran="CHANNELWISE", sym=True):
    return {"num_bits": bits, "symmetric": sym, "granularity": gran, "dtype": "INT"}
A8 = {"num_bits": 8, "symmetric": False, "granularity": "TENSORWISE", "dtype": "INT"}
def rule(op, cfg, algo="min_max_uniform_quantize"):
    return {"regex": ".*", "operation": op, "algorithm_key": algo, "op_config": cfg}
def static(bits, gran="CHANNELWISE", skip=False):
    return {"activation_tensor_config": A8, "weight_tensor_config": w(bits, gran),
            "compute_precision": "INTEGER", "explicit_dequantize": False, "skip_checks": skip}
def dynamic(bits, gran="CHANNELWISE"):
    return {"weight_tensor_config": w(bits, gran), "compute_precision": "INTEGER", "explicit_dequantize": False}
def wonly(bits, gran="CHANNELWISE"):
    return {"weight_tensor_config": w(bits, gran), "compute_precision": "FLOAT", "explicit_dequantize": True}

G = "tf_float"; E = "tf_float_emb"
VARIANTS = {
  # name: (float model, recipe)
  "aeq_static_a8w8":            (G, [rule("*", static(8))]),
  "aeq_a8w4_fc":                (G, [rule("*", static(8)), rule("FULLY_CONNECTED", static(4))]),
  "aeq_a8w4_fc_tensorwise":     (G, [rule("*", static(8)), rule("FULLY_CONNECTED", static(4, "TENSORWISE"))]),
  "aeq_a8w4_gather_policy":     (G, [rule("*", static(8)), rule("GATHER", static(4, "TENSORWISE"))]),
  "aeq_a8w4_gather_skipchecks": (G, [rule("*", static(8)), rule("GATHER", static(4, "TENSORWISE", skip=True))]),
  "aeq_a8w4_fc_gather_skipchecks": (G, [rule("*", static(8)), rule("FULLY_CONNECTED", static(4, "TENSORWISE", skip=True)),
                                        rule("GATHER", static(4, "TENSORWISE", skip=True))]),
  "aeq_weightonly_w4":          (G, [rule("*", wonly(4))]),
  "aeq_dynamic_w4":             (G, [rule("*", dynamic(4))]),
  "aeq_emb_dynamic_w4":         (E, [rule("*", dynamic(4))]),
  "aeq_emb_weightonly_w4":      (E, [rule("*", wonly(4))]),
  "aeq_emb_a8w8":               (E, [rule("*", static(8))]),
  "aeq_emb_a8w4_policy":        (E, [rule("*", static(8)), rule("EMBEDDING_LOOKUP", static(4, "TENSORWISE")),
                                     rule("FULLY_CONNECTED", static(4))]),
  "aeq_emb_a8w4_skipchecks":    (E, [rule("*", static(8)), rule("EMBEDDING_LOOKUP", static(4, "TENSORWISE", skip=True)),
                                     rule("FULLY_CONNECTED", static(4))]),
}
only = sys.argv[1:]
for name, (src, recipe) in VARIANTS.items():
    if only and name not in only: continue
    try:
        q = quantizer.Quantizer(f"{D}/{src}.tflite", recipe)
        calib = None
        if q.need_calibration:
            it = Interpreter(model_path=f"{D}/{src}.tflite")
            sig = list(it.get_signature_list())[0]
            shape = it.get_input_details()[0]["shape"]
            data = {sig: [{"ids": r.reshape(shape).astype(np.int32)} for r in reps[:64]]}
            calib = q.calibrate(data, num_threads=1)
        res = q.quantize(calib, enable_progress_report=False)
        res.export_model(f"{D}/{name}.tflite", overwrite=True)
        print(f"{name}: OK {os.path.getsize(f'{D}/{name}.tflite')} bytes")
    except Exception as e:
        if os.environ.get("TB"): traceback.print_exc()
        print(f"{name}: QUANTIZE FAILED {type(e).__name__}: {str(e).strip().splitlines()[0][:400] if str(e).strip() else ''}")
    sys.stdout.flush()
