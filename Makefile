# The few commands people need. `make run` and `make test` install what is missing on first use.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

export RAY_USAGE_STATS_ENABLED ?= 0
export EVENTBOOK_VAR_DIR ?= $(CURDIR)/var

.PHONY: install run status test check lint typecheck unit integration e2e clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)  ## create the virtualenv and install the project with its dev tools

SERVE_MODE ?= throughput
run: $(STAMP) frontend/dist/index.html  ## start the platform on http://localhost:8000 (embedded SQLite and demo data unless configured), HAProxy in front; SERVE_MODE=default uses Serve's Python proxy
	SERVE_BIN=$(BIN)/serve cluster/local/serve_run.sh $(SERVE_MODE)

status: $(STAMP)  ## what Serve runs, deployment by deployment (Ray keeps its dashboard token in ~/.ray)
	RAY_AUTH_MODE=token $(BIN)/serve status

test: check frontend-test frontend frontend-e2e-deps prometheus-deps haproxy-deps  ## the whole suite, as CI runs it
	$(BIN)/pytest -q -p no:cacheprovider

check: lint typecheck security

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/http

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

# The web app (frontend/): React + TypeScript built by Vite into frontend/dist, served by the ingress at `/`.
.PHONY: frontend frontend-test frontend-api frontend-e2e-deps
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package.json
NODE_STAMP := frontend/node_modules/.installed

$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

frontend/dist/index.html: $(NODE_STAMP) $(FRONTEND_SOURCES) frontend/package-lock.json
	cd frontend && npm run build

frontend: frontend/dist/index.html  ## build the web app when its sources changed

frontend-test: $(NODE_STAMP)  ## the web app: types match frontend/openapi.json, tsc, vitest
	cd frontend && npm test

frontend-api: $(STAMP) $(NODE_STAMP)  ## after an API change: refresh frontend/openapi.json and its TypeScript types
	$(BIN)/python frontend/scripts/dump_openapi.py
	cd frontend && npm run gen:api

frontend-e2e-deps:  ## the browser tests drive Debian's Chromium: install it with apt when missing
	frontend/e2e/ensure-chromium.sh

# The full stack on this machine: PostgreSQL primary + streaming replica, Redis, RabbitMQ (cluster/local/).
.PHONY: services services-stop run-stack
STACK_ENV := EVENTBOOK_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/eventbook \
	EVENTBOOK_REPLICA_URL=postgresql://postgres@127.0.0.1:5433/eventbook \
	EVENTBOOK_REDIS_URL=redis://127.0.0.1:6379/0 \
	EVENTBOOK_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2F

services:  ## bring up what the platform needs beyond itself (idempotent): the replica on 5433, Redis, RabbitMQ
	cluster/local/services.sh up

services-stop:  ## stop what `make services` started (the replica)
	cluster/local/services.sh stop

run-stack: services  ## `make run` on the full stack: PostgreSQL primary and replica, Redis, RabbitMQ
	$(STACK_ENV) $(MAKE) run

# Security lint: bandit (configured in pyproject.toml) on the code that ships.
.PHONY: security
security: $(STAMP)  ## bandit on domain/ adapters/ deployments/ ingress/
	$(BIN)/bandit -c pyproject.toml -q -r domain adapters deployments ingress

# Beyond one machine (cluster/README.md): KubeRay manifests, and a real two-node Ray cluster on this machine.
.PHONY: cluster-manifests cluster-local cluster-local-stop
cluster-manifests: $(STAMP)  ## regenerate cluster/kuberay/rayservice.yaml (+ Grafana ConfigMap) from serve_config.yaml
	$(BIN)/python cluster/generate.py

cluster-local: $(STAMP)  ## head + worker Ray nodes here, serve deploy, where replicas run, lose the worker, recover
	$(BIN)/python cluster/local_cluster.py up
	$(BIN)/python cluster/local_cluster.py failover
	@echo "still running (two nodes again): make cluster-local-stop stops it and drops its database"

cluster-local-stop: $(STAMP)  ## stop the nodes of `make cluster-local` (only their processes), drop its database
	$(BIN)/python cluster/local_cluster.py down

# Observability and load (loadtests/RESULTS.md): Prometheus over Ray's metrics, Locust, the on-sale benchmark.
.PHONY: monitor prometheus-deps haproxy-deps wrk-deps loadtest bench-onsale bench-catalog bench-queue
LOAD_URL ?= http://localhost:8000
SEATS ?= 2000
BUYERS ?= 500
READERS ?= 64

haproxy-deps:  ## Debian's haproxy (`make run` puts it in front of Serve): install it with apt when missing
	@command -v haproxy >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy)

prometheus-deps:  ## Debian's prometheus (the observability tests start one): install it with apt when missing
	@command -v prometheus >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus)

wrk-deps:  ## Debian's wrk (bench-queue's poll capacity phase): install it with apt when missing
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk)

monitor:  ## Prometheus on :9091 scraping the running `make run` (Ray's service discovery); prints the URLs
	cluster/prometheus/monitor.sh

loadtest: $(STAMP)  ## Locust's mix (loadtests/locust.conf) against `make run`, then the targets check
	@mkdir -p loadtests/results
	$(BIN)/locust --config loadtests/locust.conf -H $(LOAD_URL)
	$(BIN)/python loadtests/check.py loadtests/results/mix_stats.csv

PEER ?=
bench-onsale: $(STAMP)  ## SEATS seats, BUYERS buyers at once: `make run` (or run-stack), one uvicorn process, PostgreSQL alone; PEER=1 adds pretix; TYPES=3 PROMO=1 splits the seats over ticket types with a code
	$(BIN)/python -m loadtests.bench_onsale --target both --url $(LOAD_URL) --seats $(SEATS) --buyers $(BUYERS) \
		$(if $(PEER),--peer) $(if $(EVENTBOOK_DATABASE_URL),--database-url $(EVENTBOOK_DATABASE_URL)) \
		$(if $(TYPES),--types $(TYPES)) $(if $(PROMO),--promo)

QUEUE_BUYERS ?= 5000
QUEUE_SEATS ?= 1000
bench-queue: $(STAMP) wrk-deps  ## QUEUE_BUYERS buyers join a waiting room in the 10 s before QUEUE_SEATS seats go on sale (`make run-stack` or run on PostgreSQL)
	$(BIN)/python -m loadtests.bench_queue --url $(LOAD_URL) --buyers $(QUEUE_BUYERS) --seats $(QUEUE_SEATS) \
		$(if $(EVENTBOOK_DATABASE_URL),--database-url $(EVENTBOOK_DATABASE_URL)) $(if $(EVENTBOOK_REDIS_URL),--redis-url $(EVENTBOOK_REDIS_URL))

bench-catalog: $(STAMP)  ## READERS anonymous readers of the catalog for 20 s: against `make run`, then one uvicorn process; the ratio
	$(BIN)/python -m loadtests.bench_catalog --target both --url $(LOAD_URL) --clients $(READERS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
