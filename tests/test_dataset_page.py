"""The catalog's page per dataset after an update: the current rows, every version and
what changed in each; a steward's markup stays text."""

from __future__ import annotations

from pathlib import Path

from pipelines.publishing import publish

from .conftest import set_cells

AIT_AMIRA = "openness-programme-09-163-07-01"
HOSTILE = '<script>alert("x")</script> Publier <b>vite</b>'


def test_the_page_follows_the_current_version_and_lists_every_change(
    ait_amira: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    assert publish(ait_amira, str(catalog)).status == "published"
    set_cells(ait_amira, "milestones", {(2, "title_fr"): HOSTILE})
    second = publish(ait_amira, str(catalog))
    assert second.status == "published"
    page = (catalog / AIT_AMIRA / "index.html").read_text(encoding="utf-8")
    assert f'id="v{second.version}"' in page and 'id="v1.0.0"' in page
    assert page.index(f'id="v{second.version}"') < page.index('id="v1.0.0"')  # newest first
    assert "1 row changed (ait-amira-c1-m1)" in page
    assert "versions/1.0.0/milestones.csv" in page
    # The current rows, the steward's markup as text: no element is injected.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Publier &lt;b&gt;vite&lt;/b&gt;" in page
    assert "<script" not in page and "<b>" not in page


def test_the_page_tells_the_members_status_from_an_assessment(
    ait_amira: Path, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    set_cells(ait_amira, "commitments", {
        (2, "implementation_status"): "in_progress",
        (2, "completion"): "limited", (2, "assessed_by"): "irm",
        (3, "implementation_status"): "",
        (3, "completion"): "substantial", (3, "assessed_by"): "civil_society",
    })  # fmt: skip
    assert publish(ait_amira, str(catalog)).status == "published"
    page = (catalog / AIT_AMIRA / "index.html").read_text(encoding="utf-8")
    assert '<strong class="status">En cours</strong>' in page
    assert "Achèvement (Mécanisme d&#39;évaluation indépendant (IRM)) : Limité" in page
    # Another party's rating is never shown as the member's own status.
    assert '<strong class="status"></strong> · <span class="assessment">Achèvement ' in page
    assert "Achèvement (Société civile) : Substantiel" in page
