import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetransfer.settings.production")
application = get_wsgi_application()

# Each gunicorn worker (and runserver, through WSGI_APPLICATION) loads this module when it starts:
# load every view and template now and keep them out of the garbage collector's walks
# (casetransfer.startup.settle).
from casetransfer.startup import settle  # noqa: E402 (needs the settings configured above)

settle()
