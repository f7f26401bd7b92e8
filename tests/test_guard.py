"""The egress guard: whatever the checks saw, nothing leaves with personal data, control
characters, unsafe links or live formulas, on either portal; it says which file and
where, and nothing is written. Reproductions of what reached the portals before."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from pipelines import bundle, publishing
from pipelines.guard import inspect
from pipelines.publishing import publish

from .conftest import run_cli, set_cells

PHONE = "06 12 34 56 78"


def descriptor(folder: Path, **changes: Any) -> None:
    path = folder / "datapackage.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def refused(folder: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    """Publish through the CLI; the guard's refusals as (file, "line:field", message)."""
    catalog = tmp_path / "catalog"
    result = run_cli("publish", str(folder), "--to", str(catalog), "--json", "--lang", "en")
    assert "Traceback" not in result.stderr
    assert result.code == 1, result.stdout[-2000:] + result.stderr
    assert not catalog.exists()  # nothing written, not even a lock
    errors = result.json()["report"]["errors"]
    assert {e["code"] for e in errors} == {"egress-refused"}
    return [(e["file"], f"{e['row'] or ''}:{e['field'] or ''}", e["message"]) for e in errors]


def test_personal_data_in_the_descriptor_free_text_is_refused(
    ait_amira: Path, tmp_path: Path
) -> None:
    descriptor(
        ait_amira,
        description=f"Contact: {PHONE}",
        **{"x-description-ar": "راسلونا على name [at] commune.ma"},
        sources=[{"title": "Fiche de M. X, CIN AB-123456", "path": "https://example.ma/x"}],
    )
    found = refused(ait_amira, tmp_path)
    places = {(file, where) for file, where, _ in found}
    assert ("datapackage.json", ":description") in places
    assert ("datapackage.json", ":x-description-ar") in places
    assert ("datapackage.json", ":sources[0].title") in places
    assert any(file == "README.md" for file, _, _ in found)  # it reached the README too
    messages = " ".join(m for _, _, m in found)
    assert "a phone number" in messages and "an e-mail address" in messages
    assert "a national ID card number" in messages


def test_control_characters_and_unsafe_links_are_errors_at_their_cells(ait_amira: Path) -> None:
    """Validation names them to the steward (ESC and BEL used to be published, and a
    workbook cannot even hold them; javascript: and file: links were published)."""
    set_cells(ait_amira, "milestones", {(2, "title_fr"): "Jalon \x1b[31m rouge \x07"})
    set_cells(ait_amira, "milestones", {(3, "evidence_url"): "javascript:alert(1)"})
    set_cells(ait_amira, "milestones", {(4, "evidence_url"): "file:///etc/passwd"})
    set_cells(ait_amira, "milestones", {(7, "title_fr"): "x" * 5000 + "\x00 fin"})
    result = run_cli("validate", str(ait_amira), "--json", "--lang", "en")
    assert result.code == 1
    found = {(e["code"], e["row"], e["field"]) for e in result.json()["errors"]}
    assert found == {
        ("control-character", 2, "title_fr"),
        ("unsafe-url", 3, "evidence_url"),
        ("unsafe-url", 4, "evidence_url"),
        ("control-character", 7, "title_fr"),
    }


def test_the_guard_reads_every_file_it_is_given() -> None:
    """Controls, links and formulas in any file, at their line and column or key."""
    files = {
        "datapackage.json": json.dumps(
            {"resources": [{"name": "t", "schema": {"fields": [
                {"name": "title", "type": "string"}, {"name": "n", "type": "integer"}]}}],
             "sources": [{"path": "javascript:alert(1)"}]}
        ).encode(),
        "t.csv": b"title,n\n=HYPERLINK(1),-5\nok\x1b,1\n",
        "README.md": b"# t\n\ncall 0612345678\n",
    }  # fmt: skip
    found = {(f.file, f.row, f.field, f.params["kind"]) for f in inspect(files)}
    assert found == {
        ("datapackage.json", None, "sources[0].path", "unsafe-url"),
        ("t.csv", 2, "title", "formula"),  # -5 in a number column is a number
        ("t.csv", 3, "title", "control"),
        ("README.md", 3, None, "phone"),
    }


def test_what_the_steward_typed_outside_the_tables_is_not_published(
    ait_amira: Path, tmp_path: Path
) -> None:
    """An extra column's header and an ignored file's name used to be copied into the
    published validation report; the report now carries codes and places only."""
    path = ait_amira / "milestones.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0].append(f"tel {PHONE}")
    for row in rows[1:]:
        row.append("")
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    (ait_amira / f"contacts {PHONE}.csv").write_text("a\n1\n", encoding="utf-8")
    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog)).status == "published"
    for file in catalog.rglob("*"):
        if file.is_file():
            assert b"12 34 56" not in file.read_bytes(), file


def test_a_new_file_cannot_bypass_it(
    ait_amira: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard reads the files about to be written, whatever made them."""
    real = bundle.version_files

    def with_a_new_file(*args: Any, **kwargs: Any) -> dict[str, bytes]:
        return {**real(*args, **kwargs), "NOTES.md": f"Appeler le {PHONE}\n".encode()}

    monkeypatch.setattr(publishing, "version_files", with_a_new_file)
    outcome = publish(ait_amira, str(tmp_path / "catalog"))
    assert outcome.status == "invalid" and outcome.report is not None
    assert [(f.file, f.row) for f in outcome.report.findings] == [("NOTES.md", 1)]
    assert not (tmp_path / "catalog").exists()


def test_our_own_digests_and_the_sample_data_pass(ait_amira: Path) -> None:
    """No false alarm on what Infitah itself writes (hashes, dates, codes, ids)."""
    from pipelines.validation import validate

    release, _ = publishing.member_release(*validate(ait_amira, whole=True))
    plan = publishing.versioning.plan(release, None, None)
    assert inspect(bundle.version_files(release, plan, "2026-12-02T00:00:00+00:00")) == []


def test_row_ids_named_by_the_changelog_are_not_phone_numbers() -> None:
    """A changelog names the rows that changed; ids built from commune codes
    (``c050811521-1-m1``) look like phones once their digits are joined. Found when 13
    of 30 synthetic communes were refused at their second version."""
    schema = {"fields": [{"name": "milestone_id", "type": "string",
                          "constraints": {"pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"}},
                         {"name": "title_fr", "type": "string"}]}  # fmt: skip
    files = {
        "datapackage.json": json.dumps({"resources": [{"name": "m", "schema": schema}]}).encode(),
        "m.csv": b"milestone_id,title_fr\nc050811521-1-m1,Jalon\n",
        "CHANGES.md": b"## 1.0.1\n\n- `m` (patch): 1 row(s) changed (c050811521-1-m1)\n",
    }
    assert inspect(files) == []
    files["CHANGES.md"] += b"- appeler le 0508115211\n"  # a phone is still a phone
    assert [(f.file, f.row) for f in inspect(files)] == [("CHANGES.md", 4)]


def test_the_row_index_short_hashes_are_ours_even_when_they_look_like_phones() -> None:
    """A row's short hash has sixteen hexadecimal digits; about one in 2,000 has no
    letter, and some of those read as an international phone number (the network
    release of 1,503 synthetic members was refused for one). The same digits in a row's
    values are the steward's, and still refused."""
    key = "commune|08.201.03.03|completion_not_started|"
    manifest: dict[str, Any] = {"tables": {"indicators": {
        "row_index": {key: "0049576561159714"}, "values": {key: ["x"]}}}}  # fmt: skip
    assert inspect({"manifest.json": json.dumps(manifest).encode()}) == []
    manifest["tables"]["indicators"]["values"][key] = ["0049576561159714"]
    refused = inspect({"manifest.json": json.dumps(manifest).encode()})
    assert [(f.file, f.field) for f in refused] == [
        ("manifest.json", f"tables.indicators.values.{key}[0]")
    ]


def test_an_identifier_excuses_no_link_and_no_control_character() -> None:
    """Identifiers the tables hold are blanked out of the personal-data check only (a
    row id named by the changelog is no phone); a code "javascript" must not hide a
    link that runs code, nor a code hide a control character. The identifiers of a
    table read by name only (passed by this guard in the version before) still count."""
    schema = {"fields": [{"name": "code", "type": "string",
                          "constraints": {"pattern": "^[a-z0-9-]+$"}}]}  # fmt: skip
    files = {
        "datapackage.json": json.dumps({"resources": [{"name": "m", "schema": schema}]}).encode(),
        "m.csv": b"code\njavascript\nc050811521-1-m1\n",
        "CHANGES.md": b"- see javascript:alert(1)\n- c050811521-1-m1\x1b changed\n",
    }
    found = {(f.file, f.row, f.params["kind"]) for f in inspect(files)}
    assert found == {("CHANGES.md", 1, "unsafe-url"), ("CHANGES.md", 2, "control")}
    files["CHANGES.md"] = b"- c050811521-1-m1 changed\n"
    assert inspect(files) == [] and inspect(files, vouched={"m.csv"}) == []
    files["m.csv"] = b"code\njavascript\n"  # no longer an identifier: a phone again
    assert [f.params["kind"] for f in inspect(files, vouched={"m.csv"})] == ["phone"]
