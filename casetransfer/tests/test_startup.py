"""A web worker settles when it starts (casetransfer.startup.settle, called by wsgi.py): every
view and project template loaded, then frozen out of the garbage collector's walks, so a full
collection no longer walks 160,000 objects in the middle of somebody's page (issue 14)."""

import gc
import importlib
import logging
import sys

import pytest
from django.conf import settings
from django.test.utils import override_settings

from casetransfer.startup import _project_templates, settle


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_worker_settles_when_it_loads_the_application(unfrozen, caplog):
    sys.modules.pop("casetransfer.wsgi", None)
    with caplog.at_level(logging.ERROR, logger="casetransfer.startup"):
        importlib.import_module("casetransfer.wsgi")

    frozen = gc.get_freeze_count()
    assert frozen > 10_000, "what the worker loaded is kept out of the collector's walks"
    assert len(gc.get_objects()) < frozen, "a full collection now walks far fewer objects"
    assert "cases.views" in sys.modules and "registers.views" in sys.modules
    assert len(_project_templates()) > 50
    assert not caplog.records, "every project template compiles"


def test_a_template_that_does_not_compile_is_reported_and_the_worker_still_starts(
    unfrozen, tmp_path, caplog
):
    (tmp_path / "broken.html").write_text("{% if %}")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    with (
        caplog.at_level(logging.ERROR, logger="casetransfer.startup"),
        override_settings(TEMPLATES=templates),
    ):
        settle()
    assert gc.get_freeze_count() > 0
    assert [record.getMessage() for record in caplog.records] == [
        "template broken.html did not compile"
    ]
