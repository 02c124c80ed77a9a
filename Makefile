# One command per activity. Everything installs into .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt gpu_worker/requirements.txt gpu_worker/requirements-qwen.txt

MODELS := var/models
TINY_MODELS := $(MODELS)/tiny-base/config.json $(MODELS)/tiny-custom_voice/config.json
WORKER_PORT ?= 8080

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
	shellcheck gpu_worker/onstart.sh

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(MODELS)/tiny-%/config.json: | install
	$(BIN)/python -m gpu_worker.tiny_model $(MODELS)/tiny-$* --kind $*

# The model server on its own. Without TTS_MODEL / TTS_PRESET_MODEL it loads the tiny
# random-weight checkpoints, which speak noise: see the README for real speech.
run: install $(TINY_MODELS)
	@echo "Model server on http://127.0.0.1:$(WORKER_PORT). Once it says it is ready, try:"
	@echo "  curl -s -X POST http://127.0.0.1:$(WORKER_PORT)/synthesize -d '{\"text\": \"Hello, world!\", \"voice\": \"default\"}'"
	TTS_MODEL=$${TTS_MODEL-$(MODELS)/tiny-base} TTS_PRESET_MODEL=$${TTS_PRESET_MODEL-$(MODELS)/tiny-custom_voice} \
		PORT=$(WORKER_PORT) HF_HUB_OFFLINE=$${HF_HUB_OFFLINE-1} $(BIN)/python -m gpu_worker.server

bench: install $(TINY_MODELS)
	$(BIN)/python -m bench.worker_throughput --clone-model $(MODELS)/tiny-base --preset-model $(MODELS)/tiny-custom_voice

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
