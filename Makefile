# The two commands a new user needs:
#   make test   install what is missing (apt, pip, Maven) and run the whole test suite (two workers)
#   (make check, the inner loop: lint and every test that needs no service, in about a minute)
#   make demo   start local Kafka + PostgreSQL, provision, backfill the last hours, then run the
#               whole pipeline live with its dashboards until Ctrl-C (devstack.demo --course: 2022-10-29)
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# make test runs the suite on two pytest-xdist workers, each with its own Kafka, PostgreSQL and S3
# (the session fixtures); --dist loadgroup keeps on one worker what tests/needs.py groups (run_group):
# the Superset tests (set up once), the chaos scenarios (one at a time), a module-scoped fixture's tests.
# WORKERS=0 runs it in this process, serially.
WORKERS ?= 2

.PHONY: install test check lint lint-only demo demo-course up down clean screenshots

install:
	./devstack/install.sh
	./serving/install.sh

test: install
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install lint-only

# The inner loop: no install step beyond a first one, no service started (tests/conftest.py tiers
# the tests by the fixtures they use); `make install` again after changing the dependencies. Serial:
# PYTEST_ARGS="-n 2" runs it on two workers too.
check: $(PY) lint-only
	$(PY) -m pytest --no-services -q $(PYTEST_ARGS)

$(PY):
	./devstack/install.sh

lint-only:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --explicit-package-bases common devstack provision simulator processor batch serving tests bench

# The README's pictures: the browser tests, saving their screenshots into docs/img (tests alone never do).
screenshots: install
	SCREENSHOT_DIR=docs/img $(PY) -m pytest tests/serving -k "renders" $(PYTEST_ARGS)

up: install
	$(PY) -m devstack up

down:
	$(PY) -m devstack down

demo: up
	$(PY) -m devstack.demo

demo-course: up
	$(PY) -m devstack.demo --course

clean:
	rm -rf data report.html
