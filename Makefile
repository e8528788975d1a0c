# Apuri: `make run` sets up what is missing and runs everything; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
RASA := .venv-rasa/bin/rasa
RASA_ENV := RASA_TELEMETRY_ENABLED=false PYTHONPATH=$(CURDIR) RASA_CACHE_DIRECTORY=$(CURDIR)/var/rasa-cache TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore
MODEL := var/models/apuri.tar.gz
RESULTS := var/test-results

.PHONY: help setup run train kb test lint types dialogue validate nlu-test stories-test pytest bench clean

help:
	@echo "make run    set up whatever is missing, then start Apuri (Ctrl-C stops it)"
	@echo "make test   every check: lint, types, Rasa data and dialogue tests, pytest"
	@echo "make bench  the chat latency benchmark (results in benchmarks/results/)"

setup:
	@scripts/setup.sh

run: setup
	@$(VENV)/bin/apuri run

train: setup
	@$(VENV)/bin/apuri train

kb: setup
	@$(VENV)/bin/apuri kb build --quiet

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: setup
	$(VENV)/bin/mypy

validate: setup
	$(RASA_ENV) $(RASA) data validate --data nlu --domain domain.yml --config config.yml --fail-on-warnings

nlu-test: train
	@rm -rf $(RESULTS)/nlu
	$(RASA_ENV) $(RASA) test nlu --nlu tests/nlu --model $(MODEL) --out $(RESULTS)/nlu --no-plot
	$(VENV)/bin/python scripts/check_nlu_report.py $(RESULTS)/nlu/intent_report.json --min-f1 0.9

stories-test: train
	@rm -rf $(RESULTS)/stories
	$(RASA_ENV) $(RASA) test core --stories tests/dialogue --model $(MODEL) --out $(RESULTS)/stories --no-plot --fail-on-prediction-errors

dialogue: validate nlu-test stories-test

pytest: train kb
	$(VENV)/bin/pytest

test: lint types dialogue pytest

bench: train
	$(VENV)/bin/apuri bench chat

clean:
	rm -rf var/test-results var/rasa-cache .rasa
