# The two commands of the README: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= $(shell scripts/find-python)

.PHONY: install demo test lint format serve worker beat bench-fulfilment bench-api bench-reports

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python -q -r pyproject.toml --extra dev
	touch $@

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	scripts/ensure-chromium
	$(BIN)/python scripts/run_tests.py $(ARGS)

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

worker:
	$(BIN)/celery -A oms worker -l info

beat:
	$(BIN)/celery -A oms beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

# Issue 10's figures: sourcing, label PDFs, the pick queue (bench/fulfilment.py --help).
bench-fulfilment: install
	$(BIN)/python bench/fulfilment.py $(ARGS)

# Issue 11's figure: API order intake against a one-insert API view (bench/api.py --help).
bench-api: install
	$(BIN)/python bench/api.py $(ARGS)

# Issue 13's figures: the sales report and the home page against a trivial view
# (bench/reports.py --help).
bench-reports: install
	$(BIN)/python bench/reports.py $(ARGS)
