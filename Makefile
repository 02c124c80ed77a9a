# One command per activity. Everything installs into .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt gpu_worker/requirements.txt gpu_worker/requirements-qwen.txt

.PHONY: install test lint format run bench clean

install: $(INSTALLED)

$(INSTALLED): $(REQUIREMENTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r gpu_worker/requirements-qwen.txt
	touch $@

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	shellcheck gpu_worker/onstart.sh .ci/run
	SECRET_KEY=lint docker-compose config --quiet

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole service on embedded defaults: SQLite, a filesystem broker, a local GPU worker on
# tiny checkpoints (noise) unless TTS_MODEL / TTS_PRESET_MODEL are set. Ctrl-C stops it.
run: install
	$(BIN)/python manage.py run_local

bench: install
	$(BIN)/python -m gpu_worker.tiny_model var/models/tiny-base --kind base
	$(BIN)/python -m gpu_worker.tiny_model var/models/tiny-custom_voice --kind custom_voice
	$(BIN)/python -m bench.worker_throughput --clone-model var/models/tiny-base --preset-model var/models/tiny-custom_voice

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
