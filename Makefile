# One command to set up and build, one to set up and test. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: setup build smoke test test-fast benchmark clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# MovieLens-100K ships inside this wheel; we only read its data files (never import it).
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps recbole==1.2.1
	@rm -f $(VENV)/.installed-*
	@touch $@

build: setup          ## the real build on the embedded MovieLens-100K
	$(VENV)/bin/rec-builder build --preset default --out out

smoke: setup          ## the whole pipeline in seconds (numbers mean nothing)
	$(VENV)/bin/rec-builder build --preset smoke --out out

test: setup           ## the whole test suite (CI runs exactly this)
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: setup      ## unit tests only
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow"

benchmark: setup      ## the benchmarks/ suite (see benchmarks/README.md)
	$(PY) -m benchmarks.run

clean:
	rm -rf out android_demo/build
