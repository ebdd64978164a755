"""The Celery app. Settings come from Django's, prefixed CELERY_."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetransfer.settings.local")

app = Celery("casetransfer")
app.config_from_object("django.conf:settings", namespace="CELERY")
# What tasks print (the console email backend, locally) is logged at INFO, not as WARNINGs.
app.conf.worker_redirect_stdouts_level = "INFO"
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs) -> None:
    """The filesystem broker (the embedded default) needs its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
