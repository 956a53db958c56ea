# Kabinet. Quick start: `make demo`, then `make test`. Needs only Python 3.11+, pip and Node.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_STAMP := web/dist/index.html
PYTEST_ARGS ?=
# e.g. make demo DEMO_ARGS='--port 8080'
DEMO_ARGS ?=

.PHONY: install demo test test-embedded lint bench web chromium schema clean infra-lint-tools

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# checkov and hadolint for tests/test_infra.py, in a virtualenv of their own (checkov's
# dependencies conflict with the app's); rebuilt only when infra/requirements-lint.txt changes.
INFRA_LINT_VENV := build/venv-infra-lint
INFRA_LINT_STAMP := $(INFRA_LINT_VENV)/.installed
$(INFRA_LINT_STAMP): infra/requirements-lint.txt
	@test -x $(INFRA_LINT_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_LINT_VENV)
	$(INFRA_LINT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INFRA_LINT_VENV)/bin/python -m pip install --quiet -r infra/requirements-lint.txt
	@touch $(INFRA_LINT_STAMP)

infra-lint-tools: $(INFRA_LINT_STAMP)

web: $(WEB_STAMP)

$(WEB_STAMP): $(wildcard schema.graphql) $(shell find web -type f -not -path 'web/node_modules/*' -not -path 'web/dist/*' -not -path 'web/src/graphql/generated.ts' 2>/dev/null)
	@if [ -f web/package.json ]; then \
		command -v npm >/dev/null || { echo "npm is needed to build the cabinet (install Node.js 20+)"; exit 1; }; \
		cd web && (npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error) && npm run build; \
	else mkdir -p web/dist && echo '<!doctype html><title>Kabinet</title>' > $(WEB_STAMP); fi

# Browser tests drive Debian's Chromium; Playwright never downloads a browser here.
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at /usr/bin/chromium: install the 'chromium' package (e.g. sudo apt-get install chromium)."; exit 1; \
	fi

demo: install web
	$(BIN)/saas demo $(DEMO_ARGS)

test: install web chromium infra-lint-tools
	$(BIN)/python -m tests.parallel $(PYTEST_ARGS)

# The same suite on the embedded PostgreSQL and broker even when SAAS_TEST_* point elsewhere.
test-embedded: install web chromium infra-lint-tools
	env -u SAAS_TEST_DATABASE_URL -u SAAS_TEST_REDIS_URL -u SAAS_TEST_AMQP_URL -u SAAS_TEST_STORAGE_URL \
		$(BIN)/python -m tests.parallel $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check saas tests bench
	$(BIN)/ruff format --check saas tests bench
	$(BIN)/mypy saas
	$(BIN)/lint-imports

# The mixed load's duration in bench_peer (seconds); e.g. make bench BENCH_MIX_SECONDS=15
BENCH_MIX_SECONDS ?= 60
bench: install
	BENCH_MIX_SECONDS=$(BENCH_MIX_SECONDS) $(BIN)/python -m bench

schema: install
	$(BIN)/saas export-schema

clean:
	rm -rf $(VENV) web/node_modules web/dist $(INFRA_LINT_VENV)
