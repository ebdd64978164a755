"""What a web worker does once, when it starts, before its first request."""

import gc
import logging

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.urls import get_resolver

logger = logging.getLogger(__name__)


def settle() -> None:
    """Load what every request uses (the URLs and through them every view, the project's
    templates), then move it all out of the garbage collector's sight (`gc.freeze`).

    A full collection walks every object the collector tracks: in a worker that has served a
    few pages, about 160,000 (modules, classes, compiled templates), 60 to 110 ms on a 2-core
    machine, once every 20 to 40 requests. That was the slowest twentieth of the service
    manager's deadlines page (p95 155-210 ms where the rest took 60; issue 14). Frozen, they are
    never walked again; they were never going to be freed. About half a second, once."""
    get_resolver().url_patterns  # noqa: B018 (imports the URL modules, so every view)
    for template in _project_templates():
        try:
            get_template(template)  # compiled once, and kept by the cached loader
        except (TemplateDoesNotExist, TemplateSyntaxError):
            # The page that uses it says so when asked for; a worker still starts.
            logger.exception("template %s did not compile", template)
    gc.collect()
    gc.freeze()


def _project_templates() -> list[str]:
    """The names of the templates in the project's own folders (`templates/`), which every
    page extends or includes; the packages' are compiled as a page first uses them."""
    names = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(directory.rglob("*.html")):
            names.append(path.relative_to(directory).as_posix())
    return names
