"""Write datasets/tamanar/: an ILLUSTRATIVE commune, one XLSX workbook per table.

Tamanar (municipality, province of Essaouira, region Marrakech-Safi, code 07.211.01.09
in datasets/reference/communes.csv) is a real commune, but nothing here is known about
it: it is not known to be a member of the network, and every row is a placeholder
(data_status = illustrative) that gives the second sample commune another stage
(implementation), completed milestones, progress updates, a second workshop round and
participation counts by gender. Cells are typed as Excel holds them (dates, times,
numbers, booleans; the commune code as text).

Run from the repository root: ``.venv/bin/python tests/data/make_tamanar.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "datasets" / "tamanar"
CODE = "07.211.01.09"
PLAN = "tamanar-2024-2025"
ILL = "illustrative"
D = dt.date.fromisoformat

TABLES: dict[str, list[dict[str, Any]]] = {
    "action_plans": [
        {
            "plan_id": PLAN,
            "commune_code": CODE,
            "title_ar": "برنامج انفتاح جماعة تمنار (مثال توضيحي)",
            "title_fr": "Programme d'ouverture de la commune de Tamanar (exemple illustratif)",
            "cycle_start": D("2024-01-15"),
            "cycle_end": D("2025-12-31"),
            "stage": "implementation",
            "consultation_start": D("2024-04-01"),
            "consultation_end": D("2024-04-30"),
            "adoption_date": D("2024-05-27"),
            "contact_unit": "مصلحة التواصل",
            "data_status": ILL,
        }
    ],
    "workshops": [
        {
            "workshop_id": "tamanar-w1",
            "plan_id": PLAN,
            "commune_code": CODE,
            "kind": "co_creation",
            "round": 1,
            "date": D("2024-02-17"),
            "start_time": dt.time(10, 0),
            "mode": "in_person",
            "axes": "water_sanitation;local_economy",
            "principles": "citizen_participation;transparency",
            "working_groups": 2,
            "venue": "قاعة الاجتماعات بمقر الجماعة",
            "summary_ar": "الجولة الأولى من ورشات الإعداد المشترك حول الماء والاقتصاد المحلي.",
            "summary_fr": "Premier tour des ateliers de co-création, sur l'eau et l'économie "
            "locale.",
            "data_status": ILL,
        },
        {
            "workshop_id": "tamanar-w2",
            "plan_id": PLAN,
            "commune_code": CODE,
            "kind": "co_creation",
            "round": 2,
            "date": D("2024-03-16"),
            "start_time": dt.time(9, 30),
            "mode": "hybrid",
            "axes": "water_sanitation;local_economy;gender_equality",
            "principles": "citizen_participation;inclusion;accountability",
            "working_groups": 3,
            "venue": "دار الشباب",
            "summary_ar": "الجولة الثانية: ترتيب المقترحات وصياغة الالتزامات مع هيئة المساواة.",
            "summary_fr": "Second tour : classement des propositions et rédaction des "
            "engagements avec l'instance de l'équité.",
            "data_status": ILL,
        },
    ],
    "workshop_participation": [
        {
            "workshop_id": workshop,
            "commune_code": CODE,
            "stakeholder_group": group,
            "gender": gender,
            "participants": count,
            "data_status": ILL,
        }
        for workshop, group, gender, count in [
            ("tamanar-w1", "council_member", "female", 2),
            ("tamanar-w1", "council_member", "male", 6),
            ("tamanar-w1", "commune_staff", "female", 3),
            ("tamanar-w1", "commune_staff", "male", 4),
            ("tamanar-w1", "civil_society", "female", 9),
            ("tamanar-w1", "civil_society", "male", 11),
            ("tamanar-w2", "council_member", "female", 2),
            ("tamanar-w2", "council_member", "male", 5),
            ("tamanar-w2", "commune_staff", "female", 4),
            ("tamanar-w2", "commune_staff", "male", 3),
            ("tamanar-w2", "civil_society", "female", 14),
            ("tamanar-w2", "civil_society", "male", 10),
            ("tamanar-w2", "equity_gender_body", "female", 5),
            ("tamanar-w2", "citizen", "unspecified", 7),
        ]
    ],
    "commitments": [
        {
            "commitment_id": "tamanar-c1",
            "plan_id": PLAN,
            "commune_code": CODE,
            "axis": "water_sanitation",
            "title_ar": "نشر معطيات التزود بالماء الصالح للشرب في الدواوير",
            "title_fr": "Publier les données d'approvisionnement en eau potable des douars",
            "problem_ar": "غياب معلومات منشورة حول انقطاعات الماء وبرمجة الصهاريج.",
            "problem_fr": "Aucune information publiée sur les coupures d'eau et les citernes.",
            "description_ar": "نشر جدول شهري لتوزيع الماء بالصهاريج وانقطاعات الشبكة.",
            "description_fr": "Publier chaque mois la distribution par citernes et les "
            "coupures du réseau.",
            "ogp_access_to_information": True,
            "ogp_civic_participation": False,
            "ogp_public_accountability": True,
            "ogp_technology_innovation": False,
            "lead_unit": "المصالح التقنية للجماعة",
            "start_date": D("2024-06-01"),
            "end_date": D("2025-09-30"),
            "budget_mad": 120000,
            "completion": "substantial",
            "data_status": ILL,
        },
        {
            "commitment_id": "tamanar-c2",
            "plan_id": PLAN,
            "commune_code": CODE,
            "axis": "local_economy",
            "title_ar": "فتح معطيات السوق الأسبوعي",
            "title_fr": "Ouvrir les données du souk hebdomadaire",
            "problem_ar": "رسوم ومداخيل السوق الأسبوعي غير معروفة لدى التجار.",
            "problem_fr": "Les droits et recettes du souk hebdomadaire sont mal connus des "
            "commerçants.",
            "description_ar": "نشر تعريفة الرسوم والمداخيل الفصلية للسوق.",
            "description_fr": "Publier le barème des droits et les recettes trimestrielles "
            "du souk.",
            "ogp_access_to_information": True,
            "ogp_civic_participation": False,
            "ogp_public_accountability": True,
            "ogp_technology_innovation": True,
            "lead_unit": "مصلحة الموارد المالية",
            "start_date": D("2024-06-01"),
            "end_date": D("2025-12-31"),
            "budget_mad": 45000.5,
            "completion": "limited",
            "data_status": ILL,
        },
        {
            "commitment_id": "tamanar-c3",
            "plan_id": PLAN,
            "commune_code": CODE,
            "axis": "gender_equality",
            "title_ar": "إشراك هيئة المساواة في إعداد الميزانية",
            "title_fr": "Associer l'instance de l'équité à la préparation du budget",
            "problem_ar": "ضعف مشاركة النساء في مناقشة ميزانية الجماعة.",
            "problem_fr": "Faible participation des femmes aux débats sur le budget communal.",
            "description_ar": "عقد جلسة سنوية مع هيئة المساواة قبل دورة الميزانية.",
            "description_fr": "Tenir chaque année une séance avec l'instance de l'équité avant "
            "la session budgétaire.",
            "ogp_access_to_information": False,
            "ogp_civic_participation": True,
            "ogp_public_accountability": True,
            "ogp_technology_innovation": False,
            "lead_unit": "مصلحة الشؤون الاجتماعية",
            "start_date": D("2024-06-01"),
            "end_date": D("2024-12-31"),
            "budget_mad": 0,
            "completion": "complete",
            "did_it_open_government": "marginal",
            "data_status": ILL,
        },
    ],
    "proposals": [
        {
            "proposal_id": pid,
            "workshop_id": workshop,
            "commune_code": CODE,
            "working_group": group,
            "axis": axis,
            "problem_ar": problem_ar,
            "problem_fr": problem_fr,
            "solution_ar": solution_ar,
            "solution_fr": solution_fr,
            "retained": commitment is not None,
            "commitment_id": commitment,
            "data_status": ILL,
        }
        for (
            pid,
            workshop,
            group,
            axis,
            problem_ar,
            problem_fr,
            solution_ar,
            solution_fr,
            commitment,
        ) in [
            (
                "tamanar-p1",
                "tamanar-w1",
                1,
                "water_sanitation",
                "انقطاعات الماء غير معلنة.",
                "Les coupures d'eau ne sont pas annoncées.",
                "نشر برنامج الصهاريج والانقطاعات.",
                "Publier le programme des citernes et des coupures.",
                "tamanar-c1",
            ),
            (
                "tamanar-p2",
                "tamanar-w1",
                2,
                "local_economy",
                "رسوم السوق غير واضحة.",
                "Les droits du souk ne sont pas clairs.",
                "نشر تعريفة الرسوم.",
                "Publier le barème des droits.",
                "tamanar-c2",
            ),
            (
                "tamanar-p3",
                "tamanar-w1",
                2,
                "local_economy",
                "غياب معطيات حول تعاونيات الأركان.",
                "Pas de données sur les coopératives d'argan.",
                "إعداد دليل للتعاونيات.",
                "Établir un annuaire des coopératives.",
                None,
            ),
            (
                "tamanar-p4",
                "tamanar-w2",
                3,
                "gender_equality",
                "النساء لا يشاركن في مناقشة الميزانية.",
                "Les femmes ne participent pas au débat budgétaire.",
                "جلسة سنوية مع هيئة المساواة.",
                "Une séance annuelle avec l'instance de l'équité.",
                "tamanar-c3",
            ),
        ]
    ],
    "milestones": [
        {
            "milestone_id": mid,
            "commitment_id": mid.rsplit("-", 1)[0],
            "commune_code": CODE,
            "title_ar": title_ar,
            "title_fr": title_fr,
            "start_date": D(start),
            "due_date": D(due),
            "status": status,
            "completed_on": D(done) if done else None,
            "data_status": ILL,
        }
        for mid, title_ar, title_fr, start, due, status, done in [
            (
                "tamanar-c1-m1",
                "جرد نقط التزود بالماء",
                "Inventorier les points d'eau",
                "2024-06-01",
                "2024-09-30",
                "complete",
                "2024-09-20",
            ),
            (
                "tamanar-c1-m2",
                "نشر الجدول الشهري",
                "Publier le tableau mensuel",
                "2024-10-01",
                "2025-09-30",
                "in_progress",
                None,
            ),
            (
                "tamanar-c2-m1",
                "نشر تعريفة الرسوم",
                "Publier le barème des droits",
                "2024-06-01",
                "2024-12-31",
                "complete",
                "2024-11-15",
            ),
            (
                "tamanar-c2-m2",
                "نشر المداخيل الفصلية",
                "Publier les recettes trimestrielles",
                "2025-01-01",
                "2025-12-31",
                "not_started",
                None,
            ),
            (
                "tamanar-c3-m1",
                "تحديد موعد الجلسة",
                "Fixer la date de la séance",
                "2024-06-01",
                "2024-09-30",
                "complete",
                "2024-07-10",
            ),
            (
                "tamanar-c3-m2",
                "عقد الجلسة ونشر محضرها",
                "Tenir la séance et publier son compte rendu",
                "2024-09-01",
                "2024-12-31",
                "complete",
                "2024-10-08",
            ),
        ]
    ],
    "progress_updates": [
        {
            "update_id": uid,
            "commitment_id": commitment,
            "milestone_id": milestone,
            "commune_code": CODE,
            "reported_on": D(day),
            "completion": completion,
            "summary_ar": summary_ar,
            "summary_fr": summary_fr,
            "reported_by": "مصلحة التواصل",
            "data_status": ILL,
        }
        for uid, commitment, milestone, day, completion, summary_ar, summary_fr in [
            (
                "tamanar-u1",
                "tamanar-c1",
                "tamanar-c1-m1",
                "2024-10-15",
                "limited",
                "تم جرد نقط التزود بالماء.",
                "L'inventaire des points d'eau est terminé.",
            ),
            (
                "tamanar-u2",
                "tamanar-c3",
                "tamanar-c3-m2",
                "2024-12-20",
                "complete",
                "عقدت الجلسة ونشر محضرها.",
                "La séance a eu lieu ; son compte rendu est publié.",
            ),
            (
                "tamanar-u3",
                "tamanar-c1",
                None,
                "2025-04-30",
                "substantial",
                "ينشر الجدول الشهري منذ يناير.",
                "Le tableau mensuel est publié depuis janvier.",
            ),
            (
                "tamanar-u4",
                "tamanar-c2",
                "tamanar-c2-m1",
                "2025-04-30",
                "limited",
                "نشرت تعريفة الرسوم؛ المداخيل لم تنشر بعد.",
                "Barème publié ; les recettes ne le sont pas encore.",
            ),
        ]
    ],
}

DESCRIPTOR: dict[str, Any] = {
    "name": "tamanar",
    "title": "Tamanar (ILLUSTRATIVE sample): openness programme data",
    "x-title-ar": "جماعة تمنار (مثال توضيحي): معطيات برنامج الانفتاح",
    "x-title-fr": "Tamanar (exemple illustratif) : données du programme d'ouverture",
    "description": (
        "ILLUSTRATIVE SAMPLE. ALL rows of ALL tables are illustrative placeholders "
        "(data_status = illustrative), invented to exercise the pipeline with a second "
        "commune: a programme in implementation, completed milestones, progress updates, "
        "a second workshop round and participation counts by gender. None of it describes "
        "what the commune of Tamanar (municipality, province of Essaouira, region "
        "Marrakech-Safi) actually did, and Tamanar is NOT known to be a member of REMACTO "
        "or of any openness programme; only its name and code are real, taken from "
        "datasets/reference/communes.csv. The tables are XLSX workbooks, one per table, "
        "as a steward may send them."
    ),
    "x-commune-code": CODE,
    "version": "0.1.0",
    "licenses": [
        {
            "name": "ODC-BY-1.0",
            "title": "Open Data Commons Attribution License 1.0",
            "path": "https://opendatacommons.org/licenses/by/1-0/",
        }
    ],
    "x-illustrative": {
        "rule": "every row with data_status = illustrative is a placeholder, not a fact",
        "tables": list(TABLES),
        "all_rows": True,
    },
    "resources": [
        {
            "name": name,
            "path": f"{name}.xlsx",
            "format": "xlsx",
            "x-schema": f"schemas/{name}.json",
        }
        for name in TABLES
    ],
}


def write_table(name: str, rows: list[dict[str, Any]]) -> None:
    fields = [
        f["name"] for f in json.loads((REPO / "schemas" / f"{name}.json").read_text())["fields"]
    ]
    unknown = {k for row in rows for k in row} - set(fields)
    assert not unknown, (name, unknown)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = name
    ws.append(fields)
    for row in rows:
        ws.append([row.get(f) for f in fields])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, dt.time):
                cell.number_format = "hh:mm:ss"
            elif fields[cell.column - 1] == "commune_code":
                cell.number_format = "@"  # text: the leading zero matters
    ws.freeze_panes = "A2"
    stamp = dt.datetime(2025, 5, 1)
    wb.properties.created = wb.properties.modified = stamp
    wb.save(OUT / f"{name}.xlsx")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in TABLES.items():
        write_table(name, rows)
    (OUT / "datapackage.json").write_text(
        json.dumps(DESCRIPTOR, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
