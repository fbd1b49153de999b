#!/usr/bin/env bash
# Verifies the Android demo's pure-Java core on the host JVM, no Android SDK needed.
#
#   android_demo/scripts/jvm_test.sh [MODEL_DIR]
#
# 1. installs JUnit 4, Hamcrest, JNA (and a JDK, Maven if javac, mvn are missing) from Debian
#    packages if missing (quiet when present);
# 2. compiles core (--release 11) and its unit tests, runs them;
# 3. with MODEL_DIR (model.tflite + model.json, e.g. a `rec-builder build` run dir): records
#    reference outputs with the Python LiteRT interpreter (make_parity_cases.py), then runs the
#    same .tflite from Java through LiteRT's C API (JNA -> libLiteRt.so from the pinned
#    ai-edge-litert wheel) and requires identical top_ids and scores within 1e-6; times both;
# 4. resolves scripts/jvm-deps.xml with Maven (Android 14 framework classes from Robolectric's
#    android-all, the org.tensorflow.lite API, Robolectric; cached in ~/.m2), compiles sdk/ and
#    app/ against them with -Werror, then runs the sdk's and the app's Robolectric tests (both
#    screens with a fake engine). If Maven cannot resolve them it prints SKIPPED with the reason.
# Everything is built under android_demo/build/jvm (gitignored). Exits non-zero on any failure.
#
# Environment: PYTHON (default: <repo>/.venv/bin/python, else python3); JVM_TEST_PARITY_ONLY=1
# skips step 4 (a second model's parity needs only steps 1-3).
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
  if ! command -v mvn >/dev/null; then missing+=(maven); fi
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

# --- sdk + app: compile against the real Android and LiteRT jars, run the Robolectric tests ---
if [[ -z "${JVM_TEST_PARITY_ONLY:-}" ]]; then
DEPS="$BUILD/deps"
MAVEN_POM="$HERE/jvm-deps.xml"
mkdir -p "$DEPS/aar" "$DEPS/robolectric"

# Resolves scripts/jvm-deps.xml into ~/.m2 with Maven's default central repository (offline
# first: a warm cache needs no network). Writes $DEPS/classpath.txt; prints why on failure.
resolve_maven_jars() {
  local cp_file="$DEPS/classpath.txt" entry ok=1
  if [[ -s "$cp_file" && "$cp_file" -nt "$MAVEN_POM" ]]; then
    for entry in $(tr ':' ' ' <"$cp_file"); do [[ -f "$entry" ]] || ok=0; done
    ((ok)) && return 0
  fi
  local goal=(-B -q -Dstyle.color=never -f "$MAVEN_POM" dependency:build-classpath -Dmdep.outputFile="$cp_file")
  if mvn -o "${goal[@]}" >"$DEPS/mvn.log" 2>&1; then return 0; fi
  echo "jvm_test: resolving Android, LiteRT and Robolectric jars with Maven (first run: ~500 MB into ~/.m2)" >&2
  if mvn "${goal[@]}" >"$DEPS/mvn.log" 2>&1; then return 0; fi
  local why
  why="$(sed 's/\x1b\[[0-9;]*m//g' "$DEPS/mvn.log" | grep -m 1 -oE 'Could not (find|resolve|transfer) artifact [^ ]+' ||
    sed 's/\x1b\[[0-9;]*m//g' "$DEPS/mvn.log" | grep -m 1 -E '^\[ERROR\] .' | cut -c1-300 || true)"
  echo "${why:-mvn failed, see $DEPS/mvn.log} (log: $DEPS/mvn.log)"
  return 1
}

# The jar of a classpath entry: itself, or the classes.jar inside an .aar (extracted once).
jar_of() {
  local entry="$1"
  if [[ "$entry" != *.aar ]]; then echo "$entry"; return; fi
  local out="$DEPS/aar/$(basename "$entry" .aar).jar"
  if [[ ! -s "$out" || "$entry" -nt "$out" ]]; then unzip -p -q "$entry" classes.jar >"$out"; fi
  echo "$out"
}

mapfile -t SDK_SRC < <(find "$DEMO/sdk/src/main/java" -name '*.java' | sort)
mapfile -t APP_SRC < <(find "$DEMO/app/src/main/java" -name '*.java' | sort)
ANDROID_SKIP=""
if ! command -v mvn >/dev/null; then
  ANDROID_SKIP="mvn not found after installing Debian package maven"
elif ! WHY="$(resolve_maven_jars)"; then
  ANDROID_SKIP="Maven could not resolve $(basename "$MAVEN_POM"): ${WHY:-see $DEPS/mvn.log}"
fi
if [[ -n "$ANDROID_SKIP" ]]; then
  note "sdk + app compile against Android 14 (android-all) + LiteRT API (tensorflow-lite 2.16.1): SKIPPED ($ANDROID_SKIP; not checked: ${#SDK_SRC[@]} sdk and ${#APP_SRC[@]} app sources)"
  note "Robolectric sdk + screen tests: SKIPPED ($ANDROID_SKIP)"
else
  ANDROID_JAR="" ; LITERT_CP=""; RUN_CP=""
  for entry in $(tr ':' ' ' <"$DEPS/classpath.txt"); do
    case "$(basename "$entry")" in
      android-all-instrumented-*) ln -sf "$entry" "$DEPS/robolectric/" ;; # Robolectric loads it itself
      android-all-*) ANDROID_JAR="$entry" ;;
      tensorflow-lite-*) LITERT_CP="$LITERT_CP:$(jar_of "$entry")" ;;
      *) RUN_CP="$RUN_CP:$(jar_of "$entry")" ;;
    esac
  done
  if [[ -z "$ANDROID_JAR" || ! -f "$DEPS/robolectric/$(basename "$(tr ':' '\n' <"$DEPS/classpath.txt" | grep -m 1 android-all-instrumented)")" ]]; then
    echo "jvm_test: $MAVEN_POM resolved no android-all and android-all-instrumented jars ($DEPS/classpath.txt)" >&2
    exit 2
  fi
  C="$BUILD/classes"
  rm -rf "$C/sdk" "$C/app" "$C/android-test"; mkdir -p "$C/sdk" "$C/app" "$C/android-test"
  # -classfile: the framework jar's own annotations (UnsupportedAppUsage, ...) are not on the path.
  JAVAC_ANDROID=(javac --release 11 -Xlint:all,-classfile -Werror -encoding UTF-8)
  echo "jvm_test: compiling sdk (${#SDK_SRC[@]} files) and app (${#APP_SRC[@]} files) against $(basename "$ANDROID_JAR") + tensorflow-lite 2.16.1"
  set +e
  "${JAVAC_ANDROID[@]}" -cp "$ANDROID_JAR:$C/main$LITERT_CP" -d "$C/sdk" "${SDK_SRC[@]}" &&
    "${JAVAC_ANDROID[@]}" -cp "$ANDROID_JAR:$C/main:$C/sdk" -d "$C/app" "${APP_SRC[@]}"
  rc=$?
  set -e
  what="${#SDK_SRC[@]} sdk + ${#APP_SRC[@]} app sources, --release 11 -Werror, against $(basename "$ANDROID_JAR") (Android 14 framework classes) + org.tensorflow.lite API from tensorflow-lite 2.16.1 (the Gradle build's litert 2.3.0 is not on Maven Central) + core; not checked: AndroidManifest.xml, Gradle/AGP build, the litert 2.3.0 AAR, minSdk 24 API levels (lint)"
  if [[ $rc != 0 ]]; then
    fail_step "sdk + app compile" "$what"
    note "Robolectric sdk + screen tests: SKIPPED (the sdk or app did not compile)"
  else
    note "sdk + app compile: PASSED ($what)"
    mapfile -t ANDROID_TEST_SRC < <(find "$DEMO/sdk/src/testFixtures/java" "$DEMO/sdk/src/test/java" \
      "$DEMO/app/src/test/java" -name '*.java' | sort)
    TEST_CP_ANDROID="$C/android-test:$DEMO/app/src/test/resources:$C/app:$C/sdk:$C/main$LITERT_CP$RUN_CP:$ANDROID_JAR"
    "${JAVAC_ANDROID[@]}" -cp "$TEST_CP_ANDROID" -d "$C/android-test" "${ANDROID_TEST_SRC[@]}"
    mapfile -t ANDROID_TESTS < <(test_classes "$DEMO/sdk/src/test/java"; test_classes "$DEMO/app/src/test/java")
    JAVA_PROPS=(-Drobolectric.offline=true -Drobolectric.dependency.dir="$DEPS/robolectric"
      -Djava.io.tmpdir="$BUILD/tmp" -XX:TieredStopAtLevel=1)
    mkdir -p "$BUILD/tmp"
    run_junit "Robolectric sdk + screen tests (Android 14, fake engine)" "$TEST_CP_ANDROID" "${ANDROID_TESTS[@]}"
    JAVA_PROPS=()
  fi
fi
else
  note "sdk + app compile and Robolectric tests: not run (JVM_TEST_PARITY_ONLY: core and parity only)"
fi

echo
echo "jvm_test summary:"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "jvm_test: $PASSED passed, $FAILED failed"
exit "$STATUS"
