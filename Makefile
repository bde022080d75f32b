# Two commands: `make run` (serve the demo) and `make test` (the whole suite with lint).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
PY := $(VENV)/bin/python
# manage.py outside production: DEBUG off refuses the built-in secret key (settings.py).
DEV := DEBUG=true
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: run test lint venv messages compile-messages bench clean

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

venv: $(UV)
	$$(command -v uv || echo $(UV)) sync --frozen

run: venv
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl+C to stop)"
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

lint: venv
	$(VENV)/bin/ruff check .
	$(DEV) $(PY) manage.py makemigrations --check --dry-run >/dev/null || (echo "Models changed without a migration"; exit 1)

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

messages: venv
	$(DEV) $(PY) manage.py makemessages -l en --ignore=.venv --ignore=static --ignore=tests --ignore=benchmarks
	@echo "Translate the new or fuzzy entries in locale/en/LC_MESSAGES/django.po, then: make compile-messages"

compile-messages: venv
	$(DEV) $(PY) manage.py compilemessages -l en --ignore=.venv

bench: venv
	$(PY) benchmarks/bench_pages.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media
