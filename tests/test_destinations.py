"""Destinations are parsed, not guessed: a CKAN URL or a folder, anything else a usage
error (exit 2) that says what was read, and no folder created under a wrong name."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import UsageError
from pipelines.portals import destination

from .conftest import AIT_AMIRA, run_cli


@pytest.mark.parametrize(
    ("given", "understood"),
    [
        ("https://ckan.example.ma", "https://ckan.example.ma"),
        ("HTTPS://ckan.example.ma/", "https://ckan.example.ma/"),
        ("  http://127.0.0.1:5050 ", "http://127.0.0.1:5050"),
        ("catalog", "catalog"),
        ("./ckan.example.ma", "./ckan.example.ma"),
        ("out/catalog-v2", "out/catalog-v2"),
    ],
)
def test_a_url_or_a_folder_is_understood(given: str, understood: str) -> None:
    assert destination(given) == understood


CASES = {
    "empty, as an unset $CKAN_URL gives": ("", "destination-empty", "CKAN_URL"),
    "blank": ("   ", "destination-empty", "CKAN_URL"),
    "a host without its scheme": ("ckan.example.ma", "destination-host", "https://ckan.example.ma"),
    "another scheme": ("ftp://data.example.ma", "destination-scheme", "ftp://data.example.ma"),
    "a file": ("README.md", "destination-file", "README.md"),
    "a device": ("/dev/null", "destination-file", "/dev/null"),
}


@pytest.mark.parametrize(("given", "key", "shown"), list(CASES.values()), ids=list(CASES))
def test_anything_else_is_a_usage_error_saying_what_was_read(
    given: str, key: str, shown: str, tmp_path: Path
) -> None:
    (tmp_path / "README.md").write_text("not a catalog\n", encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        destination(given if given != "README.md" else str(tmp_path / "README.md"))
    assert raised.value.key == key
    result = run_cli("publish", str(AIT_AMIRA), "--to", given, "--lang", "fr", cwd=tmp_path)
    assert result.code == 2, result.stderr
    assert shown in result.stderr and "Traceback" not in result.stderr
    assert "publie" in result.stderr or "dossier" in result.stderr  # in French
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]  # nothing created
