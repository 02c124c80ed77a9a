# One command per activity. Everything installs from nothing into two virtual environments: .venv
# for the service (Django, no torch) and gpu_worker/.venv for the GPU worker (torch, qwen-tts, no
# Django), as they are deployed apart.
PYTHON ?= python3
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip's own lines, one per package, so a first install (minutes) shows it is moving.
PIP_PROGRESS := 2>&1 | (grep --line-buffered -E '^(Collecting|Installing collected|Successfully|ERROR)' || true) | cut -c1-100
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WORKER_VENV := gpu_worker/.venv
WORKER_BIN := $(WORKER_VENV)/bin
WORKER_INSTALLED := $(WORKER_VENV)/.installed
# The service's tests and `make run` start GPU workers with the worker's interpreter.
export GPU_WORKER_PYTHON := $(CURDIR)/$(WORKER_BIN)/python

.PHONY: install test test-service test-gpu-worker lint format run bench bench-poll clean

install: $(INSTALLED) $(WORKER_INSTALLED)

$(INSTALLED): requirements.txt requirements-dev.txt
	@echo "Installing the service into $(VENV) (a minute or two the first time) ..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --progress-bar off -r requirements-dev.txt $(PIP_PROGRESS)
	touch $@

$(WORKER_INSTALLED): gpu_worker/requirements.txt gpu_worker/requirements-dev.txt gpu_worker/requirements-qwen.txt
	@echo "Installing the GPU worker into $(WORKER_VENV) (torch and qwen-tts: a few minutes the first time) ..."
	$(PYTHON) -m venv $(WORKER_VENV)
	$(WORKER_BIN)/python -m pip install --quiet --upgrade pip
	$(WORKER_BIN)/python -m pip install --progress-bar off -r gpu_worker/requirements-dev.txt $(PIP_PROGRESS)
	$(WORKER_BIN)/python -m pip install --progress-bar off --no-deps -r gpu_worker/requirements-qwen.txt $(PIP_PROGRESS)
	touch $@

# The whole suite: the GPU worker's own tests (no Django), then the service's.
test: test-gpu-worker test-service

test-gpu-worker: $(WORKER_INSTALLED)
	$(WORKER_BIN)/python -m pytest gpu_worker/tests

test-service: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	shellcheck gpu_worker/onstart.sh .ci/run
	SECRET_KEY=lint POSTGRES_PASSWORD=lint GPU_WORKER_TOKEN=lint docker-compose config --quiet

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole service on embedded defaults: SQLite, a filesystem broker, a local GPU worker on
# tiny checkpoints (noise) unless TTS_MODEL / TTS_PRESET_MODEL are set. Ctrl-C stops it.
run: install
	$(BIN)/python manage.py run_local

# The GPU worker's serving figures through its HTTP API: the 0.6B and 1.7B geometries on a GPU,
# the tiny checkpoints on CPU. Writes var/bench/bench.json and bench.md (docs/benchmarks.md).
bench: $(WORKER_INSTALLED)
	$(WORKER_BIN)/python -m bench.gpu_serving

# The poll path and dispatch through the real stack, on embedded defaults and on PostgreSQL with
# Redis (both must run on 127.0.0.1), beside a bare Django view (docs/benchmarks.md).
bench-poll: install
	$(BIN)/python -m bench.poll_path

clean:
	rm -rf $(VENV) $(WORKER_VENV) var .pytest_cache .ruff_cache
