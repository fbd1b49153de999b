#!/usr/bin/env bash
# Host JVM latency of the sdk's recommend path (JMH 1.37; JnaLiteRtEngine -> libLiteRt.so) next to
# Python LiteRT on the same model and histories. Host numbers, not phone numbers. Not part of
# `make test` (about 1 minute of benchmarking).
#
#   android_demo/scripts/jmh_bench.sh MODEL_DIR [OUT.json]
#
# MODEL_DIR holds model.tflite + model.json (a `rec-builder build` run dir). Needs what
# scripts/jvm_test.sh installs (JDK, Maven, Debian's junit4 / libhamcrest-java / libjna-java) and
# the ai-edge-litert 2.3.0 wheel in $PYTHON. Writes OUT.json (default
# android_demo/build/jmh/results.json) with machine, runs, percentiles and the JVM/Python ratio.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEMO="$(dirname "$HERE")"
REPO="$(dirname "$DEMO")"
BUILD="$DEMO/build/jmh"
MODEL_DIR="$(cd "${1:?usage: jmh_bench.sh MODEL_DIR [OUT.json]}" && pwd)"
OUT="${2:-$BUILD/results.json}"
PYTHON_RUNS="${PYTHON_RUNS:-20000}"
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x "$REPO/.venv/bin/python" ]]; then PYTHON="$REPO/.venv/bin/python"; else PYTHON=python3; fi
fi
DEB_JARS=(/usr/share/java/junit4.jar /usr/share/java/hamcrest-core.jar /usr/share/java/jna.jar)
for jar in "${DEB_JARS[@]}"; do
  [[ -f "$jar" ]] || { echo "jmh_bench: $jar missing: run scripts/jvm_test.sh once (it installs it)" >&2; exit 2; }
done
command -v mvn >/dev/null || { echo "jmh_bench: mvn missing: run scripts/jvm_test.sh once" >&2; exit 2; }
LITERT_DIR="$("$PYTHON" -c 'import ai_edge_litert, os; print(os.path.dirname(ai_edge_litert.__file__))')"
WHEEL="$("$PYTHON" -c 'from importlib import metadata; print(metadata.version("ai-edge-litert"))')"
[[ "$WHEEL" == 2.3.0 ]] || { echo "jmh_bench: ai-edge-litert is $WHEEL; the JNA bindings match 2.3.0" >&2; exit 2; }

rm -rf "$BUILD/classes"; mkdir -p "$BUILD/classes"/{core,test,sdk,jmh} "$BUILD/aar"
mvn -B -q -Dstyle.color=never -f "$HERE/jmh-deps.xml" dependency:build-classpath \
  -Dmdep.outputFile="$BUILD/classpath.txt" >"$BUILD/mvn.log" 2>&1 ||
  { tail -n 20 "$BUILD/mvn.log"; echo "jmh_bench: Maven could not resolve jmh-deps.xml" >&2; exit 2; }
ANDROID_JAR=""; CP=""
for entry in $(tr ':' ' ' <"$BUILD/classpath.txt"); do
  case "$entry" in
    *.aar) jar="$BUILD/aar/$(basename "$entry" .aar).jar"; unzip -p -q "$entry" classes.jar >"$jar"; CP="$CP:$jar" ;;
    */android-all-*) ANDROID_JAR="$entry" ;;
    *) CP="$CP:$entry" ;;
  esac
done
C="$BUILD/classes"
JAVAC=(javac --release 11 -encoding UTF-8 -nowarn)
"${JAVAC[@]}" -d "$C/core" $(find "$DEMO/core/src/main/java" -name '*.java')
"${JAVAC[@]}" -cp "$C/core:$(IFS=:; echo "${DEB_JARS[*]}")" -d "$C/test" \
  $(find "$DEMO/core/src/test/java" "$DEMO/core/src/jvmTest/java" -name '*.java')
"${JAVAC[@]}" -Xlint:-classfile -cp "$ANDROID_JAR:$C/core$CP" -d "$C/sdk" $(find "$DEMO/sdk/src/main/java" -name '*.java')
RUN_CP="$C/jmh:$C/sdk:$C/test:$C/core:$(IFS=:; echo "${DEB_JARS[*]}")$CP:$ANDROID_JAR"
"${JAVAC[@]}" -cp "$RUN_CP" -processorpath "${CP#:}" -d "$C/jmh" $(find "$DEMO/jmh/src/main/java" -name '*.java')

MODEL_FILE="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_file"])' "$MODEL_DIR/model.json")"
echo "jmh_bench: Python LiteRT reference: $PYTHON_RUNS timed signature-runner calls"
"$PYTHON" "$HERE/make_parity_cases.py" "$MODEL_DIR/$MODEL_FILE" "$MODEL_DIR/model.json" \
  "$BUILD/cases.json" --n 256 --seed 0 --latency-runs "$PYTHON_RUNS" --latency-warmup 2000 \
  2> >(grep -v 'XNNPACK delegate' >&2)
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "jmh_bench: JMH (1 fork, 3 x 2 s warm-up, 5 x 2 s measurement, sample time) per benchmark"
java -Djna.library.path="$LITERT_DIR" -Drecdemo.modelDir="$MODEL_DIR" \
  -Drecdemo.parityCases="$BUILD/cases.json" -cp "$RUN_CP" org.openjdk.jmh.Main \
  RecommendBenchmark -rf json -rff "$BUILD/jmh.json" | grep -E '^(Benchmark|RecommendBenchmark)|p0\.(50|90|99)0?0? ' || true
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

"$PYTHON" - "$BUILD/jmh.json" "$BUILD/cases.json" "$OUT" "$MODEL_DIR/$MODEL_FILE" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, os, platform, subprocess, sys
jmh_path, cases_path, out_path, model, load_before, load_after = sys.argv[1:7]
jmh = json.load(open(jmh_path))
cases = json.load(open(cases_path))
py = cases["python_latency"] if "python_latency" in cases else cases["latency"]
def cpu() -> str:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
rows = {}
for b in jmh:
    m = b["primaryMetric"]
    samples = sum(c for it in m["rawDataHistogram"] for hist in it for _, c in hist)
    p = m["scorePercentiles"]
    rows[b["benchmark"].rsplit(".", 1)[1]] = {
        "label": {"engine": "host JVM: JnaLiteRtEngine.recommend(row) (JNA -> libLiteRt C API)",
                  "sdk": "host JVM: sdk Recommender.recommend(picks) (encode + engine + post-process)"}
                 [b["benchmark"].rsplit(".", 1)[1]],
        "samples": samples, "forks": b["forks"], "warmup": f'{b["warmupIterations"]} x {b["warmupTime"]}',
        "measurement": f'{b["measurementIterations"]} x {b["measurementTime"]}',
        "mean_us": m["score"], "p50_us": p["50.0"], "p90_us": p["90.0"], "p99_us": p["99.0"],
    }
python = {"label": py.get("label", "Python LiteRT signature runner"), "runs": py["runs"],
          "warmup": py["warmup"], "mean_us": py["mean_us"], "p50_us": py["p50_us"],
          "p90_us": py["p90_us"], "p99_us": py["p99_us"]}
report = {
    "what": "host latency per recommend call, NOT phone numbers",
    "model": {"file": os.path.basename(model), "bytes": os.path.getsize(model),
              "sha256": cases.get("model_sha256")},
    "histories": len(cases["cases"]),
    "machine": {"cpu": cpu(), "cores": os.cpu_count(), "os": platform.platform(), "java": java,
                "loadavg_1_5_15_before": load_before, "loadavg_1_5_15_after": load_after,
                "note": "shared build machine: other jobs were running"},
    "jmh": {"version": "1.37", "mode": "sample time", **rows},
    "python": python,
    "ratio_p50_jvm_engine_over_python": rows["engine"]["p50_us"] / python["p50_us"],
    "ratio_p50_jvm_sdk_over_python": rows["sdk"]["p50_us"] / python["p50_us"],
}
os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
json.dump(report, open(out_path, "w"), indent=2)
print(f"\nHOST latency per recommend call ({report['model']['file']}, {report['model']['bytes']} bytes), "
      f"load {load_before} -> {load_after}:")
for r in (rows["engine"], rows["sdk"], python):
    n = r.get("samples", r.get("runs"))
    print(f"  {r['label']:<84} n={n:<8} mean={r['mean_us']:.1f} p50={r['p50_us']:.1f} "
          f"p90={r['p90_us']:.1f} p99={r['p99_us']:.1f} us")
print(f"  p50 ratio JVM engine / Python: {report['ratio_p50_jvm_engine_over_python']:.2f}; "
      f"sdk / Python: {report['ratio_p50_jvm_sdk_over_python']:.2f}")
print(f"  written to {out_path}")
PY
