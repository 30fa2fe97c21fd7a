# supportbot — the two commands a newcomer needs are `make run` and `make test`.
# Every target installs what it needs first, so each works on a fresh clone.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
# Stamp files: the environment is rebuilt only when the lock (or the package metadata) changes.
LOCK_STAMP := $(VENV)/.lock-installed
PKG_STAMP  := $(VENV)/.package-installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install run run-cluster test test-fast browser postgres lint format bench bench-all shell kb train clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(LOCK_STAMP): requirements.lock
	@echo "==> creating $(VENV) from requirements.lock (first time: a few minutes, ~4 GB)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet setuptools==70.3.0
	$(BIN)/pip install --quiet --no-deps --ignore-requires-python -r requirements.lock
	touch $@

$(PKG_STAMP): $(LOCK_STAMP) pyproject.toml
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(PKG_STAMP) ## create .venv and install the pinned packages and supportbot

run: install ## build the knowledge base, train if needed, start everything, print the URLs
	$(BIN)/supportbot run

run-cluster: install ## the scaled-out topology: PostgreSQL, Redis, RabbitMQ, 2 Rasa, 2 action, 2 web servers behind HAProxy on 127.0.0.1:8080
	pg="$$(scripts/ensure-postgres.sh supportbot_desk supportbot_tracker)" && \
	redis="$$(scripts/ensure-redis.sh)" && broker="$$(scripts/ensure-rabbitmq.sh)" && \
	scripts/ensure-haproxy.sh && \
	SUPPORTBOT_DATABASE_URL="$${SUPPORTBOT_DATABASE_URL:-$${pg%/postgres}/supportbot_desk}" \
	SUPPORTBOT_TRACKER_URL="$${SUPPORTBOT_TRACKER_URL:-$${pg%/postgres}/supportbot_tracker}" \
	SUPPORTBOT_REDIS_URL="$${SUPPORTBOT_REDIS_URL:-$$redis}" \
	SUPPORTBOT_RABBITMQ_URL="$${SUPPORTBOT_RABBITMQ_URL:-$$broker}" \
		$(BIN)/supportbot run --rasa 2 --actions 2 --web 2 --proxy-port 8080

test: install browser ## run the whole test suite (unit, integration, servers, real browser, stories; SQLite, PostgreSQL, a cluster, deploy/)
	@# The demo index first: it tunes the encoder once (models/kb_encoders/), which every
	@# bot the tests start then reuses instead of training it within its start-up time.
	$(BIN)/supportbot kb check >/dev/null 2>&1 || $(BIN)/supportbot kb build >/dev/null
	pg="$$(scripts/ensure-postgres.sh)" && redis="$$(scripts/ensure-redis.sh)" && \
		broker="$$(scripts/ensure-rabbitmq.sh)" && scripts/ensure-haproxy.sh && \
		tools="$$(scripts/ensure-deploy-tools.sh)" && axe="$$(scripts/ensure-axe.sh)" && \
		SUPPORTBOT_TEST_POSTGRES_URL="$$pg" SUPPORTBOT_TEST_REDIS_URL="$$redis" \
		SUPPORTBOT_TEST_RABBITMQ_URL="$$broker" SUPPORTBOT_TEST_DEPLOY_TOOLS="$$tools" \
		SUPPORTBOT_TEST_AXE="$$axe" \
		SUPPORTBOT_TEST_SERVERS_REQUIRED=1 $(BIN)/python -m pytest

browser: ## install Debian's Chromium for the browser tests (apt-get, if missing)
	scripts/ensure-chromium.sh

postgres: ## install and start Debian's PostgreSQL on 127.0.0.1:5432 (apt-get, if missing); prints a URL
	scripts/ensure-postgres.sh

test-fast: install ## run only the unit tests (seconds)
	$(BIN)/python -m pytest tests/unit

lint: install ## ruff (lint + format check), mypy and the import layers (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: install ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install browser ## quick benchmarks (KB, NLU, latency, widget, socket.io); JSON in bench/results/
	$(BIN)/python -m bench.run_all

bench-all: install browser ## all benchmarks, including 1M-entry index scale and fresh-clone timings (~40 min)
	$(BIN)/python -m bench.run_all --all

shell: install ## chat with the bot in the terminal (rasa shell; needs `make run` in another terminal)
	$(BIN)/supportbot shell

kb: install ## rebuild the knowledge-base index
	$(BIN)/supportbot kb build

train: install ## train the Rasa model if its training data changed
	$(BIN)/supportbot train

clean: ## remove built models and runtime data (keeps .venv)
	rm -rf models/rasa models/kb_index var .rasa
