#!/usr/bin/env bash
# Verifies the Android demo's pure-Java core on the host JVM, no Android SDK needed.
#
#   android_demo/scripts/jvm_test.sh [MODEL_DIR]
#
# 1. installs JUnit 4, Hamcrest, JNA (and a JDK if javac is missing) from Debian packages if
#    missing (quiet when present);
# 2. compiles core (--release 11) and its unit tests, runs them;
# 3. with MODEL_DIR (model.tflite + model.json, e.g. a `rec-builder build` run dir): records
#    reference outputs with the Python LiteRT interpreter (make_parity_cases.py), then runs the
#    same .tflite from Java through LiteRT's C API (JNA -> libLiteRt.so from the pinned
#    ai-edge-litert wheel) and requires identical top_ids and scores within 1e-6; times both;
# 4. type-checks the app module against an Android API jar if one can be found or installed,
#    otherwise prints SKIPPED with the reason.
# Everything is built under android_demo/build/jvm (gitignored). Exits non-zero on any failure.
#
# Environment: PYTHON (default: <repo>/.venv/bin/python, else python3), ANDROID_HOME /
# ANDROID_SDK_ROOT (where to look for platforms/android-*/android.jar).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEMO="$(dirname "$HERE")"
REPO="$(dirname "$DEMO")"
BUILD="$DEMO/build/jvm"
MODEL_DIR="${1:-}"
LITERT_VERSION="2.3.0" # the C API bindings (LiteRtC.java) match this wheel exactly
DEB_PACKAGES=(junit4 libhamcrest-java libjna-java)
JUNIT_JAR=/usr/share/java/junit4.jar
HAMCREST_JAR=/usr/share/java/hamcrest-core.jar
JNA_JAR=/usr/share/java/jna.jar

if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x "$REPO/.venv/bin/python" ]]; then PYTHON="$REPO/.venv/bin/python"; else PYTHON=python3; fi
fi

declare -a SUMMARY=()
PASSED=0
FAILED=0
STATUS=0
note() { SUMMARY+=("$1"); }
fail_step() { note "$1: FAILED ($2)"; STATUS=1; FAILED=$((FAILED + 1)); }

ensure_packages() {
  local missing=()
  for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ! command -v javac >/dev/null; then missing+=(default-jdk-headless); fi
  if ((${#missing[@]} == 0)); then return 0; fi
  echo "jvm_test: installing Debian packages: ${missing[*]}"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { echo "jvm_test: need root or sudo to apt-get install ${missing[*]}" >&2; exit 2; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Runs JUnitCore on the given classes; adds its counts to PASSED/FAILED. $1 = label, $2 = classpath.
run_junit() {
  local label="$1" cp="$2"; shift 2
  local log="$BUILD/${label// /_}.log"
  set +e
  java "${JAVA_PROPS[@]}" -cp "$cp" org.junit.runner.JUnitCore "$@" >"$log" 2>"$log.stderr"
  local rc=$?
  set -e
  grep -v -E '^(INFO|WARNING|VERBOSE): ' "$log"
  local ran failures
  if grep -q '^OK (' "$log"; then
    ran=$(sed -n 's/^OK (\([0-9]*\) tests\?)$/\1/p' "$log"); failures=0
  else
    ran=$(sed -n 's/^Tests run: \([0-9]*\), *Failures: \([0-9]*\).*/\1/p' "$log")
    failures=$(sed -n 's/^Tests run: \([0-9]*\), *Failures: \([0-9]*\).*/\2/p' "$log")
    ran=${ran:-0}; failures=${failures:-1}
    echo "--- last lines of $log.stderr ---"; tail -n 20 "$log.stderr"
  fi
  PASSED=$((PASSED + ran - failures))
  FAILED=$((FAILED + failures))
  if [[ $rc == 0 ]]; then note "$label: PASSED ($ran tests)"; else fail_step "$label" "$failures of $ran tests failed, see $log"; fi
  return 0
}

test_classes() { # fully qualified names of *Test.java files containing @Test under $1
  (cd "$1" && grep -rl --include='*Test.java' '@Test' . | sed 's|^\./||; s|\.java$||; s|/|.|g' | sort)
}

mkdir -p "$BUILD"
ensure_packages
for jar in "$JUNIT_JAR" "$HAMCREST_JAR" "$JNA_JAR"; do
  [[ -f "$jar" ]] || { echo "jvm_test: $jar not found after installing ${DEB_PACKAGES[*]}" >&2; exit 2; }
done

# --- core: compile main (Android-compatible Java 11) and tests; run the unit tests ---
rm -rf "$BUILD/classes"
mkdir -p "$BUILD/classes/main" "$BUILD/classes/test"
mapfile -t MAIN_SRC < <(find "$DEMO/core/src/main/java" -name '*.java' | sort)
mapfile -t TEST_SRC < <(find "$DEMO/core/src/test/java" -name '*.java' | sort)
TEST_CP="$BUILD/classes/main:$BUILD/classes/test:$JUNIT_JAR:$HAMCREST_JAR:$JNA_JAR"
if [[ -n "$MODEL_DIR" ]]; then
  # The JVM-only engine + parity test (src/jvmTest) compile in the same javac run (saves time).
  mapfile -t JVM_SRC < <(find "$DEMO/core/src/jvmTest/java" -name '*.java' | sort)
  TEST_SRC+=("${JVM_SRC[@]}")
fi
echo "jvm_test: compiling core (${#MAIN_SRC[@]} files, --release 11) and tests (${#TEST_SRC[@]} files)"
javac --release 11 -Xlint:all -Werror -encoding UTF-8 -d "$BUILD/classes/main" "${MAIN_SRC[@]}"
javac --release 11 -Xlint:all -encoding UTF-8 -cp "$TEST_CP" -d "$BUILD/classes/test" "${TEST_SRC[@]}"
mapfile -t UNIT_TESTS < <(test_classes "$DEMO/core/src/test/java")
JAVA_PROPS=(-XX:TieredStopAtLevel=1)
run_junit "core unit tests" "$TEST_CP" "${UNIT_TESTS[@]}"
JAVA_PROPS=()

# --- parity and latency on the real LiteRT runtime ---
if [[ -z "$MODEL_DIR" ]]; then
  note "parity (host JVM via JNA -> libLiteRt vs Python LiteRT): SKIPPED (no MODEL_DIR argument)"
else
  MODEL_DIR="$(cd "$MODEL_DIR" && pwd)"
  read -r MODEL_FILE WHEEL_VERSION LITERT_DIR < <("$PYTHON" - "$MODEL_DIR/model.json" <<'PY'
import json, os, sys
from importlib import metadata
spec = json.load(open(sys.argv[1], encoding="utf-8"))
try:
    import ai_edge_litert
    version, where = metadata.version("ai-edge-litert"), os.path.dirname(ai_edge_litert.__file__)
except Exception:
    version, where = "missing", "-"
print(spec.get("model_file", "model.tflite"), version, where)
PY
  )
  if [[ "$WHEEL_VERSION" != "$LITERT_VERSION" ]]; then
    fail_step "parity" "ai-edge-litert is $WHEEL_VERSION in $PYTHON; the JNA bindings match $LITERT_VERSION exactly"
  elif [[ ! -f "$LITERT_DIR/libLiteRt.so" ]]; then
    fail_step "parity" "libLiteRt.so not found in $LITERT_DIR"
  else
    echo "jvm_test: recording Python LiteRT reference outputs for $MODEL_DIR/$MODEL_FILE"
    "$PYTHON" "$HERE/make_parity_cases.py" "$MODEL_DIR/$MODEL_FILE" "$MODEL_DIR/model.json" \
      "$BUILD/parity_cases.json" --n 256 --seed 0 2> >(grep -v 'XNNPACK delegate' >&2)
    JVM_CP="$TEST_CP"
    JAVA_PROPS=(-Djna.library.path="$LITERT_DIR" -Drecdemo.modelDir="$MODEL_DIR"
      -Drecdemo.parityCases="$BUILD/parity_cases.json")
    run_junit "parity + contract tests on the real runtime (JNA -> libLiteRt.so $LITERT_VERSION)" \
      "$JVM_CP" com.recbuilder.demo.jvm.LiteRtParityTest
    if java "${JAVA_PROPS[@]}" -cp "$JVM_CP" com.recbuilder.demo.jvm.HostLatencyMain \
        "$BUILD/latency.json" 500 500 2>"$BUILD/latency.stderr"; then
      note "host latency: measured (see LATENCY above, $BUILD/latency.json)"
    else
      tail -n 20 "$BUILD/latency.stderr"; fail_step "host latency" "see $BUILD/latency.stderr"
    fi
    JAVA_PROPS=()
  fi
fi

# --- app module: type-check against an Android API jar, or say why not ---
find_android_jar() {
  local roots=("${ANDROID_HOME:-}" "${ANDROID_SDK_ROOT:-}" /usr/lib/android-sdk)
  for root in "${roots[@]}"; do
    [[ -n "$root" && -d "$root/platforms" ]] || continue
    ls -d "$root"/platforms/android-*/android.jar 2>/dev/null | sort -V | tail -n 1
  done | tail -n 1
}
ANDROID_JAR="$(find_android_jar)"
if [[ -z "$ANDROID_JAR" ]]; then
  # Debian used to ship API 23 as android-sdk-platform-23 (android.jar under /usr/lib/android-sdk).
  CANDIDATE="$(apt-cache policy android-sdk-platform-23 2>/dev/null | sed -n 's/^ *Candidate: //p')"
  if [[ -n "$CANDIDATE" && "$CANDIDATE" != "(none)" ]]; then
    echo "jvm_test: installing android-sdk-platform-23 ($CANDIDATE) for android.jar"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends android-sdk-platform-23 >/dev/null || true
    ANDROID_JAR="$(find_android_jar)"
  fi
fi
mapfile -t APP_SRC < <(find "$DEMO/app/src/main/java" -name '*.java' | sort)
if [[ -z "$ANDROID_JAR" ]]; then
  note "app type-check: SKIPPED (no Android API jar: none under \$ANDROID_HOME, \$ANDROID_SDK_ROOT or /usr/lib/android-sdk/platforms, and Debian package android-sdk-platform-23 has no installable candidate here; not checked: ${#APP_SRC[@]} app sources, AndroidManifest.xml, Gradle build)"
else
  STUB_SRC_DIR="$DEMO/tools/compile-only-stubs/litert/java"
  mapfile -t STUB_SRC < <(find "$STUB_SRC_DIR" -name '*.java' | sort)
  rm -rf "$BUILD/classes/stubs" "$BUILD/classes/app"; mkdir -p "$BUILD/classes/stubs" "$BUILD/classes/app"
  set +e
  javac -source 8 -target 8 -Xlint:-options -encoding UTF-8 -bootclasspath "$ANDROID_JAR" \
      -d "$BUILD/classes/stubs" "${STUB_SRC[@]}" &&
    javac -source 8 -target 8 -Xlint:-options -encoding UTF-8 -bootclasspath "$ANDROID_JAR" \
      -cp "$BUILD/classes/main:$BUILD/classes/stubs" -d "$BUILD/classes/app" "${APP_SRC[@]}"
  rc=$?
  set -e
  what="${#APP_SRC[@]} app sources (${APP_SRC[*]#$DEMO/}) against $ANDROID_JAR + core + the compile-only LiteRT stub ($(printf '%s ' "${STUB_SRC[@]#$STUB_SRC_DIR/}")); not checked: AndroidManifest.xml, Gradle build, the real LiteRT AAR"
  if [[ $rc == 0 ]]; then note "app type-check: PASSED ($what)"; else fail_step "app type-check" "$what"; fi
fi

echo
echo "jvm_test summary:"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "jvm_test: $PASSED passed, $FAILED failed"
exit "$STATUS"
