# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run prod-local test setup install migrate demo lint browser-deps bench load clean

run: setup demo ## install, migrate, load demo data, serve with the worker and beat (Procfile)
	mkdir -p var
	$(VENV)/bin/honcho start -f Procfile

# The production topology on this machine: gunicorn, a Celery worker and one beat (Procfile.prod)
# under the production settings, against the local PostgreSQL and Redis. No demo data.
PROD_LOCAL_ENV = DJANGO_SETTINGS_MODULE=casetransfer.settings.production \
	SECRET_KEY="$${SECRET_KEY:-$$(cat var/prod-local.secret)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" \
	EMAIL_BACKEND="$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}" \
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/casetransfer}" \
	REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}"

prod-local: install ## gunicorn + Celery worker + one beat on local PostgreSQL and Redis
	mkdir -p var/run var/mail
	test -s var/prod-local.secret || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/prod-local.secret
	$(PROD_LOCAL_ENV) $(PY) manage.py migrate --noinput
	$(PROD_LOCAL_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(PROD_LOCAL_ENV) $(VENV)/bin/honcho start -f Procfile.prod

test: install ## the whole test suite (browser tests need Debian's chromium: make browser-deps)
	$(PY) -m pytest

setup: install migrate

install: $(STAMP) node_modules/.package-lock.json

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

browser-deps: ## Debian's chromium for the Playwright browser tests (needs root)
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

bench: install
	$(PY) bench/run.py

load: install ## the load run: 50 people against gunicorn on loopback (bench/load.py)
	$(PY) bench/load.py

clean:
	rm -rf var $(VENV) node_modules
