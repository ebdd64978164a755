"""Production static files (issue 13): hashed names from collectstatic, a long cache lifetime,
and the GOV.UK fonts and images served from the collected copy, not node_modules."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k" * 20 + "Q9x!mZ2#vB7$wL4%nR8&tY1*pU6(oI3)"


def _production(tmp_path, code: str) -> subprocess.CompletedProcess:
    env = {
        "DJANGO_SETTINGS_MODULE": "casetransfer.settings.production",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_collectstatic_hashes_names_and_the_govuk_assets_need_no_node_modules(tmp_path):
    code = f"""
import django, json
from pathlib import Path
django.setup()
from django.conf import settings
from django.core.management import call_command
configured = settings.WHITENOISE_ROOT == settings.STATIC_ROOT / "govuk"
settings.STATIC_ROOT = Path({str(tmp_path / "static")!r})
settings.WHITENOISE_ROOT = settings.STATIC_ROOT / "govuk"
call_command("collectstatic", "--noinput", verbosity=0)
from django.contrib.staticfiles.storage import staticfiles_storage
url = staticfiles_storage.url("css/app.css")
print(json.dumps({{"url": url, "configured": configured, "root": str(settings.WHITENOISE_ROOT)}}))
"""
    result = _production(tmp_path, code)
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    out = json.loads(result.stdout.strip().splitlines()[-1])
    # A content hash in the name: cached for a year by WhiteNoise, changed when the file does.
    name = out["url"].rsplit("/", 1)[-1]
    assert name.startswith("app.") and name.endswith(".css") and name != "app.css"
    fonts = list((tmp_path / "static" / "govuk" / "assets" / "fonts").glob("*.woff2"))
    assert fonts, "the GOV.UK fonts are collected"
    # /assets/... (the GOV.UK CSS's own URLs) come from the collected copy.
    assert out["configured"] and "node_modules" not in out["root"]
