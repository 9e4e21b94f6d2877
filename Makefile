# Two commands on a fresh machine: `make run` (install, migrate, install themes, start web + worker)
# and `make test` (install, run the whole test suite).
VENV := .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000

.PHONY: install run test bench

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py install_themes
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py runsite $(ADDR)

test: install
	$(PY) -m pytest

bench: install
	$(PY) bench/engine_speed.py
	$(PY) bench/memory.py
	$(PY) bench/time_to_quality.py
	$(PY) bench/engine_quality.py
	$(PY) bench/worker_overhead.py
	$(PY) bench/instant.py
