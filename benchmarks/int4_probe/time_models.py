"""Run with the exp venv. Rough invoke() timing, 3 rounds x 1000 calls, best round (machine is shared: context only)."""
import os
import sys, time, numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"); ids = np.load(f"{D}/reps.npy")[0]
names = ["tf_float", "tf_ptq_int8", "aeq_static_a8w8", "aeq_a8w4_fc", "aeq_a8w4_fc_tensorwise", "tf_qat_g8_fc4",
         "craft_gather_int4_deq", "aeq_dynamic_w4", "aeq_weightonly_w4", "aeq_emb_dynamic_w4"]
for res in (OpResolverType.AUTO, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES):
    for n in names:
        it = Interpreter(model_path=f"{D}/{n}.tflite", experimental_op_resolver_type=res, num_threads=1); it.allocate_tensors()
        i = it.get_input_details()[0]; it.set_tensor(i["index"], ids.reshape(i["shape"]).astype(np.int32))
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(1000): it.invoke()
            best = min(best, (time.perf_counter() - t0) / 1000 * 1e6)
        print(f"{res.name:35s} {n:26s} {best:7.2f} us")
