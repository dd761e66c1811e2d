"""The deploy check that static files were collected (DEBUG off without collectstatic used to
make every page a 500)."""

from __future__ import annotations

from portal.checks import static_files_collected

MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_without_collected_static_files_is_an_error(settings, tmp_path) -> None:
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}}
    errors = static_files_collected(None)
    assert [e.id for e in errors] == ["portal.E001"]
    assert "collectstatic" in errors[0].hint
    (tmp_path / "staticfiles.json").write_text("{}")
    assert static_files_collected(None) == []


def test_development_needs_no_collected_static_files(settings) -> None:
    settings.DEBUG = True
    assert static_files_collected(None) == []
