"""Local development: debug on, mail to the console (or a file, with EMAIL_BACKEND)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
