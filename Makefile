# Glassbox: build, test, run notebooks. Everything installs itself (Debian packages via apt-get,
# Python tools into .venv, Swift packages through Package.swift).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RELEASE_BIN := .build/release/glassbox
DEBUG_BIN := .build/debug/glassbox
KERNEL_NAME := glassbox
# One release configuration for the binary and the release-mode tests, so that they share one build
# (test targets use @testable imports, which need -enable-testing).
RELEASE := -c release -Xswiftc -enable-testing
# swift test adds its own -enable-testing unless told not to; the second flag changes every module's
# command line, so the release binary and the release tests rebuilt everything for each other (about
# three minutes of CI). Our -enable-testing above already makes @testable imports work.
RELEASE_TEST := $(RELEASE) --disable-testable-imports
# Where the MNIST files are looked for first (see docs/data.md); the checkout's sibling shared/ folder
# when it exists.
export GLASSBOX_DATA ?= $(if $(wildcard ../shared/data/mnist),$(abspath ../shared/data),)

.PHONY: all deps system-deps venv build build-debug install-kernel notebooks lab test test-swift \
        test-integration test-invariance test-jupyter bench classroom docs-figures clean

all: build

## Dependencies ----------------------------------------------------------------------------------
deps: system-deps venv

system-deps:
	@scripts/install-system-deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## Build -----------------------------------------------------------------------------------------
build: system-deps
	swift build $(RELEASE) --product glassbox

build-debug: system-deps
	swift build --product glassbox

install-kernel: build venv
	VIRTUAL_ENV=$(abspath $(VENV)) $(RELEASE_BIN) install --sys-prefix --name $(KERNEL_NAME)

## The main job: every notebook executed headless through the installed kernel -------------------
notebooks: install-kernel
	$(PY) scripts/execute_notebooks.py --kernel $(KERNEL_NAME) notebooks/*.ipynb

## Interactive use: JupyterLab with the kernel installed -----------------------------------------
lab: install-kernel
	$(PY) -m pip install --quiet jupyterlab
	$(VENV)/bin/jupyter lab notebooks

## Tests -----------------------------------------------------------------------------------------
test: deps test-swift test-integration test-jupyter

test-swift: system-deps
	swift build --build-tests
	swift test --skip-build --disable-swift-testing --skip GlassboxIntegrationTests

test-integration: system-deps
	swift test $(RELEASE_TEST) --disable-swift-testing --filter GlassboxIntegrationTests --skip SameImageSameMapTests
	$(MAKE) --no-print-directory test-invariance

# Same image, same map: the invariance tests again with one core, other OpenBLAS kernel families and
# thread counts, and the AVX2 product kernels (each a separate run of the test binary); the digests
# of every map must be identical in all runs (docs/engine.md).
INVARIANCE_RUNS := GLASSBOX_THREADS=1 OPENBLAS_CORETYPE=Haswell OPENBLAS_CORETYPE=Sandybridge,OPENBLAS_NUM_THREADS=1 \
                   GLASSBOX_GEMM_KERNEL=avx2,OPENBLAS_NUM_THREADS=2
test-invariance:
	@rm -rf .build/invariance && mkdir -p .build/invariance
	GLASSBOX_MAPS_DIGEST=.build/invariance/default.txt swift test $(RELEASE_TEST) --skip-build --disable-swift-testing \
	    --filter SameImageSameMapTests
	@for run in $(INVARIANCE_RUNS); do \
	    echo "== invariance with $$run"; \
	    env $$(echo $$run | tr ',' ' ') GLASSBOX_MAPS_DIGEST=.build/invariance/$$run.txt \
	        swift test $(RELEASE_TEST) --skip-build --disable-swift-testing --filter SameImageSameMapTests || exit 1; \
	    cmp .build/invariance/default.txt .build/invariance/$$run.txt || { echo "maps differ with $$run"; exit 1; }; \
	done

test-jupyter: build venv
	GLASSBOX_BIN=$(abspath $(RELEASE_BIN)) $(PY) -m pytest -q Tests/jupyter

## Benchmarks (not tests): ratios against peers measured in the same run --------------------------
# ipykernel is installed for the kernel comparison; PyTorch, Captum, Zennit, Quantus and
# pytorch-grad-cam (pip install grad-cam) are compared when they are importable from .venv (install
# them there yourself: they are large); a missing peer is named. memory_bench.py runs every chapter
# notebook in a fresh kernel and reports its resident memory (and chapter 3.4 in ipykernel + PyTorch
# when TORCH_PYTHON names a Python with torch, captum and ipykernel).
bench: build venv
	$(PY) -m pip install --quiet ipykernel
	GLASSBOX_BIN=$(abspath $(RELEASE_BIN)) $(PY) bench/kernel_bench.py
	SKIP_BUILD=1 PYTHON=$(abspath $(PY)) bench/train_bench
	$(PY) bench/methods_bench.py --glassbox $(abspath $(RELEASE_BIN))
	$(PY) bench/relevance_bench.py --glassbox $(abspath $(RELEASE_BIN))
	$(PY) bench/metrics_bench.py --glassbox $(abspath $(RELEASE_BIN))
	$(PY) bench/cam_bench.py --glassbox $(abspath $(RELEASE_BIN))
	$(PY) bench/perturbation_bench.py --glassbox $(abspath $(RELEASE_BIN))
	$(PY) bench/am_bench.py --glassbox $(abspath $(RELEASE_BIN))
	$(PY) bench/memory_bench.py --glassbox $(abspath $(RELEASE_BIN)) $(if $(TORCH_PYTHON),--torch-python "$(TORCH_PYTHON)")

## A classroom on this machine (a load run, not a test; docs/classroom.md) ---------------------
# JupyterHub on 127.0.0.1 with 30 students running chapter 3.4 at once, one runaway student, and the
# same chapter in ipykernel + PyTorch when TORCH_PYTHON names a Python that imports torch and captum.
# More options: make classroom CLASSROOM_ARGS="--users 10 --phases calm,runaway"
classroom: build venv
	$(PY) scripts/classroom.py --glassbox $(abspath $(RELEASE_BIN)) \
	    $(if $(TORCH_PYTHON),--torch-python "$(TORCH_PYTHON)") $(CLASSROOM_ARGS)

## Figures of the documentation ------------------------------------------------------------------
docs-figures: build
	$(RELEASE_BIN) docs-figures --output docs/methods/figures

clean:
	rm -rf .build $(VENV)
