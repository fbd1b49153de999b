"""Memory growth of one model, measured in a fresh process so models don't pollute each other.

`measure_memory(...)` starts `python memory.py ...` (this file, which imports only
the standard library, NumPy and LiteRT) and reads one JSON line back. In the child:

1. import NumPy + LiteRT and load the input histories (this is the baseline, like
   benchmark_model's "from the start of the tool": the runtime library itself is
   not counted);
2. reset the peak-RSS mark (write "5" to /proc/self/clear_refs; `hwm_reset` says
   whether the kernel allowed it) and read VmRSS/VmHWM from /proc/self/status;
3. init (Interpreter + allocate + signature runner), read again;
4. first inference + `runs` inferences, read again.

Reported (MB = 2^20 bytes): `memory_footprint_mb.init` / `.overall`: growth of the
peak resident set (VmHWM) over the baseline after init / after all runs; this is
what benchmark_model's "Memory footprint delta from the start of the tool (MB):
init=... overall=..." measures (it diffs getrusage's ru_maxrss, the same peak).
`rss_delta_mb.init` / `.overall`: growth of the current resident set (VmRSS),
i.e. what stays resident. Resident memory counts pages touched, so an mmapped
model file whose weights are never read is not (fully) counted, and allocator
caching can hide frees; treat these as approximate, as benchmark_model says too.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def read_status_kb() -> dict[str, int]:
    """VmRSS and VmHWM of this process in kB (Linux /proc; empty elsewhere)."""
    values: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    if "VmHWM" not in values:  # no /proc: fall back to getrusage's peak (kB on Linux)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        values = {"VmHWM": peak, "VmRSS": peak}
    return values


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _probe(model: str, input_name: str, threads: int, runs: int, histories: str) -> dict[str, Any]:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    pool = np.load(histories).astype(np.int32)
    inputs = [np.ascontiguousarray(row[None, :]) for row in pool]
    hwm_reset = reset_peak()
    base = read_status_kb()
    start = time.perf_counter_ns()
    interpreter = Interpreter(model_path=model, num_threads=threads)
    runner = interpreter.get_signature_runner("recommend")
    wrapper = getattr(runner, "_interpreter_wrapper", None)
    if wrapper is not None:
        wrapper.AllocateTensors(getattr(runner, "_subgraph_index", 0))
    init_us = (time.perf_counter_ns() - start) / 1e3
    after_init = read_status_kb()
    for r in range(runs + 1):
        runner(**{input_name: inputs[r % len(inputs)]})
    after = read_status_kb()

    def mb(kb: int) -> float:
        return round(kb / 1024.0, 4)

    return {
        "memory_footprint_mb": {
            "init": mb(after_init["VmHWM"] - base["VmRSS"]),
            "overall": mb(after["VmHWM"] - base["VmRSS"]),
        },
        "rss_delta_mb": {
            "init": mb(after_init["VmRSS"] - base["VmRSS"]),
            "overall": mb(after["VmRSS"] - base["VmRSS"]),
        },
        "baseline_rss_mb": mb(base["VmRSS"]),
        "peak_rss_mb": mb(after["VmHWM"]),
        "hwm_reset": hwm_reset,
        "fresh_process_init_us": init_us,
        "runs": runs + 1,
    }


def measure_memory(model: str | Path, input_name: str, threads: int, runs: int,
                   histories_npy: str | Path, timeout_s: float = 300.0) -> dict[str, Any]:
    """Run the probe in a fresh interpreter process; raises RuntimeError on failure."""
    cmd = [sys.executable, str(Path(__file__).resolve()), str(model), input_name,
           str(threads), str(runs), str(histories_npy)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"memory probe failed for {model} (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
        )
    return json.loads(lines[-1])


def main(argv: list[str]) -> int:
    model, input_name, threads, runs, histories = argv
    print(json.dumps(_probe(model, input_name, int(threads), int(runs), histories)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
