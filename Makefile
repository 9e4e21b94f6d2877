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

# The whole suite on SQLite and the ORM broker; then, where TEST_DATABASE_URL and TEST_REDIS_URL
# name a PostgreSQL database and a Redis (.ci/run starts both), the worker tests again on them.
test: install
	$(PY) -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ] && [ -n "$$TEST_REDIS_URL" ]; then \
		echo "== the worker tests on PostgreSQL + Redis =="; \
		DATABASE_URL="$$TEST_DATABASE_URL" REDIS_URL="$$TEST_REDIS_URL" $(PY) -m pytest tests/worker; \
	else \
		echo "(worker tests on PostgreSQL + Redis skipped: set TEST_DATABASE_URL and TEST_REDIS_URL)"; \
	fi

bench: install
	$(PY) bench/engine_speed.py
	$(PY) bench/memory.py
	$(PY) bench/time_to_quality.py
	$(PY) bench/engine_quality.py
	$(PY) bench/worker_overhead.py
	$(PY) bench/instant.py
	$(PY) bench/abuse.py
	$(PY) bench/throughput.py  # needs PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)
