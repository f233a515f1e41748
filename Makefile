# Two commands do all the set-up on a fresh machine (Python 3.11, pip, gcc, apt-get as root):
#   make demo   create .venv, install, make sure a CJK font exists, run the demo province
#   make test   the same set-up plus the test services (PostgreSQL, Chromium), then pytest
# Both are idempotent and quick when already set up.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO_OUT ?= demo-output
PYTEST_ARGS ?=

.PHONY: demo test venv system-fonts system-test clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

venv: $(STAMP)

system-fonts:
	@bash scripts/system_deps.sh fonts

system-test:
	@bash scripts/system_deps.sh test

demo: $(STAMP) system-fonts
	$(VENV)/bin/evaluator demo --out $(DEMO_OUT)

test: $(STAMP) system-test
	@eval "$$(bash scripts/start_postgres.sh)"; \
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(DEMO_OUT) .pytest_cache
