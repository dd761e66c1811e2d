"""The quick start's address: one SITE_URL for every process, and the web listens on it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _site_url_in_a_process(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "WEB_PORT"}}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_site_url_is_not_derived_from_the_port_honcho_gives_each_process() -> None:
    # honcho sets PORT=5000, 5100 and 5200 for web, worker and beat: all three link alike.
    urls = {_site_url_in_a_process(PORT=port) for port in ("5000", "5100", "5200")}
    assert urls == {"http://127.0.0.1:8000"}
    assert _site_url_in_a_process(SITE_URL="https://portal.example.com/") == (
        "https://portal.example.com"
    )


def test_the_web_process_listens_on_the_port_of_make_runs_url() -> None:
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    web = procfile["web"]
    assert "${PORT" not in web  # honcho's PORT would be 5000
    assert re.search(r"runserver \$\{WEB_PORT:-8000\}", web), web
    makefile = (ROOT / "Makefile").read_text()
    assert "WEB_PORT ?= 8000" in makefile
    assert "SITE_URL ?= http://127.0.0.1:$(WEB_PORT)" in makefile
