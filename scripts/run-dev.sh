#!/usr/bin/env bash
# Serve the site at http://127.0.0.1:8000 with a Celery worker and beat beside it.
# With no DATABASE_URL/REDIS_URL set this needs no server: SQLite and a filesystem broker.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/broker/queue var/broker/processed
trap 'kill 0' EXIT INT TERM
.venv/bin/celery -A casetransfer worker --beat --loglevel=INFO --concurrency=2 \
  --schedule="var/celerybeat-schedule" &
.venv/bin/python manage.py runserver 127.0.0.1:8000
