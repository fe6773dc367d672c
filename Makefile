# Everyday commands. `make run` and `make test` are the README's two commands.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# In the demo this code passes wherever the admin asks for an authenticator code.
DEMO_CODE ?= 000000

.PHONY: run test lint format bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## Migrate, load demo data and serve on 127.0.0.1:$(PORT) (make run PORT=8001)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	SITE_URL=http://127.0.0.1:$(PORT) MFA_DEMO_CODE=$(DEMO_CODE) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)  ## The whole suite (SQLite unless DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates $(wildcard */templates) --lint

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_board.py
	$(BIN)/python bench/bench_database_export.py
	$(BIN)/python bench/bench_database_list.py
	$(BIN)/python bench/bench_report.py

clean:
	rm -rf $(VENV) .venv-prod staticfiles test-output
