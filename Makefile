VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint policies-test bench clean

$(STAMP): pyproject.toml package-lock.json
	scripts/system-packages.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	npm ci --no-audit --no-fund --silent
	mkdir -p src/jinshu/web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js src/jinshu/web/static/vendor/
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/jinshu policies check
	$(VENV)/bin/jinshu db upgrade
	$(VENV)/bin/jinshu demo
	$(VENV)/bin/jinshu serve

test: $(STAMP)
	$(VENV)/bin/jinshu policies check
	$(VENV)/bin/jinshu policies test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
