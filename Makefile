# demandloop — the two commands of the README are `make demo` and `make test`; the rest are their parts.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO ?= 300
HOST ?= 127.0.0.1
PORT ?= 8000
# In CI the suite runs against the machine's real PostgreSQL and Redis.
ifeq ($(CI),true)
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/demandloop
export REDIS_URL ?= redis://127.0.0.1:6379/0
endif

.PHONY: demo setup test lint check services browser-deps deploy-deps messages bench serve clean screenshots

## make demo — set everything up, load both districts with demo data, start the platform on http://127.0.0.1:8000
demo: setup
	$(BIN)/demandloop init --preset all --demo $(DEMO)
	$(BIN)/demandloop serve --host $(HOST) --port $(PORT)

## make test — the whole test suite (in CI also lint, checks and PostgreSQL/Redis)
test: setup browser-deps deploy-deps $(if $(filter true,$(CI)),services lint check)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

setup: $(VENV)/.installed node_modules/.installed messages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

messages: $(VENV)/.installed
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

## Chromium and a CJK font for the browser tests (Debian packages; Playwright's own download cannot work here)
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' \
	    || ! ls /usr/lib/chromium/locales/zh-CN.pak >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n fonts-wqy-microhei >/dev/null; \
	fi

## nginx and openssl for the deployment test (tests/test_deploy.py puts deploy/nginx/ in front of gunicorn)
deploy-deps:
	@if ! command -v nginx >/dev/null || ! command -v openssl >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light openssl >/dev/null; \
	fi

## PostgreSQL and Redis, started if they are down (CI)
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='demandloop'" | grep -q 1 || \
	  createdb -h 127.0.0.1 -U postgres demandloop
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: $(VENV)/.installed
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	DEMANDLOOP_ENV=production SECRET_KEY=ci-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	  ALLOWED_HOSTS=demandloop.example.gov.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

## make screenshots — renew the user guide's pictures (docs/screenshots/; a plain test run writes var/screenshots/)
screenshots: setup browser-deps
	DEMANDLOOP_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -n 2 --dist loadgroup -q $$(grep -rl '\.shot(' demandloop --include='test_*.py')

## make bench — every benchmark; figures go to bench/RESULTS.md
bench: setup
	$(BIN)/python -m bench.run

serve: setup
	$(BIN)/demandloop serve --host $(HOST) --port $(PORT)

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
