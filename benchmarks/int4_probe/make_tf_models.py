"""Run with the project venv (.venv/bin/python). Builds the tiny ids->GATHER->mean->FC(table) model and
converts it with the TF converter: float, PTQ int8 (full integer), and a 4-bit fake-quant QAT graph
with the private int4 flags (_experimental_low_bit_qat, _experimental_reduce_type_precision)."""
import os, sys, numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf

N, D, L = 2000, 32, 20
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)
table = (rng.standard_normal((N, D)) * 0.1).astype(np.float32)
reps = rng.integers(1, N, size=(256, L)).astype(np.int32)
np.save(f"{OUT}/table.npy", table); np.save(f"{OUT}/reps.npy", reps)

def float_fn(ids):
    rows = tf.gather(tf.constant(table), ids)          # [1, L, D]  -> GATHER
    h = tf.reduce_mean(rows, axis=1)                     # [1, D]     -> MEAN
    return tf.matmul(h, tf.constant(table), transpose_b=True)  # [1, N] -> FULLY_CONNECTED

spec = [tf.TensorSpec([1, L], tf.int32, name="ids")]
mod = tf.Module(); mod.serving_default = tf.function(float_fn, input_signature=spec)
f = mod.serving_default.get_concrete_function()

def save(name, conv):
    try:
        blob = conv.convert()
    except Exception as e:
        print(name, "CONVERT FAILED:", type(e).__name__, str(e).splitlines()[0][:300]); return
    open(f"{OUT}/{name}.tflite", "wb").write(blob); print(name, len(blob), "bytes")

c = tf.lite.TFLiteConverter.from_concrete_functions([f], mod); save("tf_float", c)

def gen():
    for r in reps: yield [r[None, :]]
c = tf.lite.TFLiteConverter.from_concrete_functions([f])
c.optimizations = [tf.lite.Optimize.DEFAULT]; c.representative_dataset = gen
c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
save("tf_ptq_int8", c)

# QAT-style graph: table fake-quantized to 4 bits (narrow range, symmetric), activations 8 bits.
m = float(np.abs(table).max())
# activation ranges from the float graph on the representative set
hs = np.stack([table[r].mean(0) for r in reps]); sc = hs @ table.T
hm, sm = float(np.abs(hs).max()), float(np.abs(sc).max())
def qat_fn(ids, gbits=4, fbits=4, gout=8):
    # symmetric narrow-range fake quant of the table: 4 bits = levels -7..7
    tg = tf.quantization.fake_quant_with_min_max_args(tf.constant(table), -m, m, num_bits=gbits, narrow_range=True)
    tf_ = tg if fbits == gbits else tf.quantization.fake_quant_with_min_max_args(
        tf.constant(table + 0.0), -m, m, num_bits=fbits, narrow_range=True)
    rows = tf.gather(tg, ids)
    rows = tf.quantization.fake_quant_with_min_max_args(rows, -m, m, num_bits=gout, narrow_range=True)
    h = tf.reduce_mean(rows, axis=1)
    h = tf.quantization.fake_quant_with_min_max_args(h, -hm, hm, num_bits=8)
    s = tf.matmul(h, tf_, transpose_b=True)
    return tf.quantization.fake_quant_with_min_max_args(s, -sm, sm, num_bits=8)
variants = {  # name: (gather table bits, FC table bits, gather output bits)
    "w8": (8, 8, 8), "w4": (4, 4, 8), "w4_gout4": (4, 4, 4), "g8_fc4": (8, 4, 8)}
for vname, (gb, fb, go) in variants.items():
    g = tf.function(lambda ids: qat_fn(ids, gb, fb, go), input_signature=spec).get_concrete_function()
    for low, red in ((False, False), (True, False), (True, True)):
        if vname == "w8" and (low or red): continue
        c = tf.lite.TFLiteConverter.from_concrete_functions([g])
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c._experimental_low_bit_qat = low
        c._experimental_reduce_type_precision = red
        save(f"tf_qat_{vname}" + ("_lowbit" if low else "") + ("_reduceprec" if red else ""), c)

# 1-D ids variant (for an EMBEDDING_LOOKUP rewrite): ids [L] -> GATHER -> [L, D] -> MEAN(0, keepdims) -> FC
def float_1d(ids):
    rows = tf.gather(tf.constant(table), ids)
    h = tf.reduce_mean(rows, axis=0, keepdims=True)
    return tf.matmul(h, tf.constant(table), transpose_b=True)
mod1 = tf.Module(); mod1.serving_default = tf.function(float_1d, input_signature=[tf.TensorSpec([L], tf.int32, name="ids")])
save("tf_float_1d", tf.lite.TFLiteConverter.from_concrete_functions([mod1.serving_default.get_concrete_function()], mod1))
