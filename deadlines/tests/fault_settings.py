"""Settings for the processes the fault tests start (worker, beat): local settings with a beat
that sweeps every second, so a few sweeps take seconds. Numbers come from the environment."""

from casetransfer.settings.local import *  # noqa: F403
from casetransfer.settings.local import CELERY_BEAT_SCHEDULE, env

DEBUG = False
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {**CELERY_BEAT_SCHEDULE["sweep-deadlines"], "schedule": 1.0},
}
CELERY_TASK_ALWAYS_EAGER = False
SWEEP_TIME_BUDGET_SECONDS = env.int("SWEEP_TIME_BUDGET_SECONDS", default=5)
