# The two commands of the README: `make run` and `make test`. Both do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test setup ingest app browser lint bench eval clean-index

run: setup ingest app

setup: $(VENV)/.installed

# torch first: 2.13.0 is the CPU build on this disk; anything else pulls GBs of CUDA.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

ingest: setup
	$(BIN)/footnote ingest

app: setup
	$(BIN)/footnote app

# The browser end-to-end test needs Debian's chromium and its driver (no browser downloads).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }

test: setup browser
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

# scale.py builds a 20,000-passage corpus under .index/bench/ on its first run (an hour on 2 cores), then reuses it.
bench: setup
	$(BIN)/python benchmark/latency.py
	$(BIN)/python benchmark/reading.py
	$(BIN)/python benchmark/check.py
	$(BIN)/python benchmark/plan.py
	$(BIN)/python benchmark/scale.py

eval: setup
	$(BIN)/footnote eval

clean-index:
	rm -rf .index
