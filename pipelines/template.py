"""The Excel workbook a data steward fills: one sheet per table, built from the schemas.

Stewards are commune staff, not programmers; most errors validation reports are ones
a spreadsheet could have prevented (a date typed as text, a label instead of a code,
09.163.07.01 turned into a number). So the template carries the contract into Excel:
headers in the steward's language (reading accepts those titles), a dropdown of
codes for every enum, date and number validation, text format where digits are not
numbers, and help on every header. Everything comes from ``schemas/*.json``, so the
template cannot drift from what validation checks.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import reading
from .errors import InputError, UsageError
from .i18n import LANGS, N_, Lang, in_each, tr, trp
from .schemas import COMMUNE_FIELD, REQUIRED_TABLES, TABLES, TableSchema, load

# Rows 2..DATA_ROWS get dropdowns, validation and formats: far more than a commune's
# programme has rows, few enough to keep the file small.
DATA_ROWS = 1000
LISTS_SHEET = reading.LISTS_SHEET
README_SHEET: dict[Lang, str] = in_each(reading.README_SHEET)
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm:ss"
TEXT_FORMAT = "@"
# Excel refuses (and "repairs" away) input messages and titles longer than these.
MAX_PROMPT = 255
MAX_PROMPT_TITLE = 32
# Bounds that only make Excel insist on a real date/number; the schema judges the rest.
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
MAX_NUMBER = 1_000_000_000_000

REQUIRED_FILL = PatternFill("solid", start_color="FFC000", end_color="FFC000")
OPTIONAL_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
HEADER_FONT = Font(bold=True)
ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
COMMA: dict[Lang, str] = {lang: trp(lang, "list separator", ", ") for lang in LANGS}

WORDS: dict[str, dict[Lang, str]] = {
    "required": in_each(N_("Required")),
    "optional": in_each(N_("Optional")),
    "date": in_each(N_("Date as YYYY-MM-DD, e.g. 2024-04-15")),
    "time": in_each(N_("Time as HH:MM:SS, e.g. 09:00:00")),
    "integer": in_each(N_("Whole number")),
    "number": in_each(N_("Number (decimal point, no thousands separator)")),
    "minimum": in_each(N_("at least {0}")),
    "boolean": in_each(N_("Yes/no: true or false")),
    "text": in_each(N_("Text")),
    "identifier": in_each(N_("Identifier: Latin letters, digits, - _ . and no spaces")),
    "commune": in_each(N_("Commune code, as text, e.g. 09.163.07.01")),
    "uri": in_each(N_("Web address starting with https://")),
    "enum": in_each(N_("Pick a code from the list:")),
    "list_of": in_each(N_("One or more codes separated by ; with no space:")),
    "see_comment": in_each(N_("… details in the header's comment")),
    "error_title": in_each(N_("Value rejected")),
    "error_enum": in_each(N_("Pick a value from the dropdown list.")),
    "error_date": in_each(N_("Enter a date as YYYY-MM-DD, e.g. 2024-04-15.")),
    "error_time": in_each(N_("Enter a time as HH:MM:SS, e.g. 09:00:00.")),
    "error_integer": in_each(N_("Enter a whole number{0}.")),
    "error_number": in_each(N_("Enter a number{0}.")),
    "description": in_each(N_("Description:")),
}

README: dict[str, Any] = {
    "title": N_("Infitah — data template for the commune's openness programme"),
    "rules": [
        N_(
            "This workbook has one sheet per table. Fill one row per item from row 2; row 1 holds "
            "the headers."
        ),
        N_(
            "Do not rename sheets or headers, do not add or delete columns, and do not edit the "
            "hidden sheet “_lists” (it holds the dropdown values)."
        ),
        N_(
            "Hover over a header to read its help comment: meaning, allowed values and the "
            "column's technical name."
        ),
        N_("Dates as YYYY-MM-DD (e.g. 2024-04-15); times as HH:MM:SS (e.g. 09:00:00)."),
        N_(
            "In columns with a dropdown, pick a value from the list: these are stable codes (e.g. "
            "in_person); their meaning shows when the cell is selected. Yes/no columns: true or "
            "false."
        ),
        N_(
            "Code lists (axes, principles): one or more codes separated by ; with no space (e.g. "
            "environment;communication)."
        ),
        N_(
            "Commune code as 09.163.07.01, as text: the column is formatted as text so leading "
            "zeros stay."
        ),
        N_(
            "No personal data: no phone numbers, e-mail addresses or national ID card numbers "
            "(Law 09-08 on the protection of personal data). Name the unit or role, not the person."
        ),
        N_("Never start a text with = + - or @: Excel may run it as a formula."),
        N_("Data status: “reported” only for real data reported by the commune."),
    ],
    "legend_required": N_("Header in this colour: required column."),
    "legend_optional": N_("Header in this colour: optional column."),
    "tables": N_("The sheets (in the order to fill them):"),
    "table_required": N_("required"),
    "table_optional": N_("may stay empty until the data is available"),
    "validate": N_(
        "To check the file: save it as .xlsx, then run the command below. The report gives the "
        "sheet, row and column letter of every problem."
    ),
}


def write_template(out: Path, lang: Lang = "ar", force: bool = False) -> Path:
    """Write the steward's workbook to ``out`` and return the path written.

    An existing file is kept unless ``force``: it is most often a workbook the steward
    has filled in. The workbook is written beside ``out`` and renamed into place, so a
    full disk never leaves half a workbook where a good one was."""
    if out.is_dir():
        raise InputError(f"{out}: a folder", path=str(out), key="template-is-folder")
    if out.exists() and not out.is_file():  # a device (/dev/full) or a socket: never replaced
        raise InputError(
            f"{out}: not an ordinary file",
            path=str(out),
            key="template-unwritable",
            detail="not an ordinary file",
        )
    if out.exists() and not force:
        raise UsageError(f"{out}: exists", path=str(out), key="template-exists")
    schemas = [load(name) for name in TABLES]
    wb = Workbook()
    readme = wb.active
    assert readme is not None  # a new Workbook always has one sheet
    _write_readme(readme, schemas, lang)
    lists = wb.create_sheet(LISTS_SHEET)
    for schema in schemas:
        _write_table(wb.create_sheet(schema.name), schema, lists, lang)
    # Hidden sheets must not come first (Excel opens on the first visible one anyway).
    wb.move_sheet(lists, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    lists.sheet_state = "hidden"
    wb.active = 0
    wb.properties.creator = "Infitah"
    wb.properties.title = tr(lang, README["title"])
    partial = out.with_name(f".{out.name}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        wb.save(partial)
        os.replace(partial, out)
    except OSError as exc:
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise InputError(
            f"{out}: cannot write ({exc.strerror})",
            path=str(out),
            key="template-unwritable",
            detail=str(exc.strerror or exc),
        ) from exc
    return out


# --- README ---------------------------------------------------------------------------


def _write_readme(ws: Worksheet, schemas: list[TableSchema], lang: Lang) -> None:
    text = {k: tr(lang, v) if isinstance(v, str) else [tr(lang, r) for r in v]
            for k, v in README.items()}  # fmt: skip
    ws.title = README_SHEET[lang]
    ws.sheet_view.rightToLeft = lang == "ar"
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    ws["A1"] = text["title"]
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for number, rule in enumerate(text["rules"], start=1):
        ws.cell(row, 1, number).alignment = Alignment(vertical="top")
        ws.cell(row, 2, rule).alignment = wrap
        row += 1
    row += 1
    for fill, key in ((REQUIRED_FILL, "legend_required"), (OPTIONAL_FILL, "legend_optional")):
        ws.cell(row, 1).fill = fill
        ws.cell(row, 2, text[key])
        row += 1
    row += 1
    ws.cell(row, 1, text["tables"]).font = HEADER_FONT
    row += 1
    for schema in schemas:
        need = "table_required" if schema.name in REQUIRED_TABLES else "table_optional"
        ws.cell(row, 1, schema.name)
        ws.cell(row, 2, f"{schema.title(lang)} — {text[need]}").alignment = wrap
        row += 1
    row += 1
    ws.cell(row, 2, text["validate"]).alignment = wrap
    row += 1
    command = ws.cell(row, 2, f"infitah validate FILE.xlsx --lang {lang}")
    # The command reads left to right even on an Arabic sheet (readingOrder 1 = LTR).
    command.font = Font(name="Consolas", bold=True)
    command.alignment = Alignment(horizontal="left", readingOrder=1)


# --- table sheets ---------------------------------------------------------------------


def _write_table(ws: Worksheet, schema: TableSchema, lists: Worksheet, lang: Lang) -> None:
    ws.sheet_view.rightToLeft = lang == "ar"
    ws.freeze_panes = "A2"
    titles = schema.field_titles(lang)
    for index, field in enumerate(schema.fields, start=1):
        name = field["name"]
        letter = get_column_letter(index)
        header = ws.cell(1, index, titles[name])
        header.font = HEADER_FONT
        header.fill = REQUIRED_FILL if schema.required(name) else OPTIONAL_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header.comment = _comment(schema, field, titles[name], lang)
        ws.column_dimensions[letter].width = _width(field, titles[name])
        number_format = _number_format(field)
        if number_format:
            ws.column_dimensions[letter].number_format = number_format
            for row in range(2, DATA_ROWS + 1):
                ws.cell(row, index).number_format = number_format
        validation = _validation(schema, field, titles[name], lists, lang)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{DATA_ROWS}")
            ws.add_data_validation(validation)
    ws.row_dimensions[1].height = 45


def _number_format(field: dict[str, Any]) -> str | None:
    """Text for every string column: Excel must not turn 09.163.07.01 or 1-2 into numbers."""
    kind = field.get("type", "string")
    if kind == "date":
        return DATE_FORMAT
    if kind == "time":
        return TIME_FORMAT
    if kind == "string":
        return TEXT_FORMAT
    return None


def _width(field: dict[str, Any], title: str) -> float:
    kind = field.get("type", "string")
    if kind in ("date", "time", "boolean", "integer", "number"):
        base = 14
    elif field["name"] == COMMUNE_FIELD or "enum" in field.get("constraints", {}):
        base = 18
    elif field.get("x-list-of") or field.get("format") == "uri":
        base = 30
    elif "pattern" in field.get("constraints", {}):
        base = 22
    else:
        base = 36
    return float(min(45, max(base, len(title) + 4)))


def _codes(field: dict[str, Any]) -> list[str]:
    """The values a field takes: the enum, or the codes of a ';'-separated list."""
    enum = field.get("constraints", {}).get("enum")
    if enum:
        return [str(code) for code in enum]
    return [str(code) for code in field.get("x-list-of") or {}]


def choices(schema: TableSchema, field: dict[str, Any], lang: Lang) -> list[str]:
    """What a dropdown offers: a list's labels in the workbook's language (a French
    workbook offers "Non démarré", an Arabic one "لم ينطلق"), which reading turns back
    into codes; the codes themselves in English (they are its words), for ';'-lists
    (several codes in one cell are not one label), or where two codes share a label."""
    codes = _codes(field)
    if lang == "en" or field.get("x-list-of"):
        return codes
    labels = schema.enum_labels(field["name"])
    shown = [(labels.get(code) or {}).get(lang) or code for code in codes]
    return shown if len(set(shown)) == len(shown) else codes


def _label(labels: dict[str, dict[str, str]], code: str, lang: Lang) -> str:
    label = labels.get(code, {})
    return label.get(lang) or label.get("fr") or code


def _type_hint(field: dict[str, Any], lang: Lang) -> str:
    kind = field.get("type", "string")
    cons = field.get("constraints", {})
    minimum = cons.get("minimum")
    if kind in ("integer", "number"):
        hint = WORDS[kind][lang]
        if minimum is None:
            return hint
        return f"{hint}{COMMA[lang]}{WORDS['minimum'][lang].format(minimum)}"
    if kind in ("date", "time", "boolean"):
        return WORDS[kind][lang]
    if field["name"] == COMMUNE_FIELD:
        return WORDS["commune"][lang]
    if field.get("x-list-of"):
        return WORDS["list_of"][lang]
    if cons.get("enum"):
        return WORDS["enum"][lang]
    if cons.get("pattern") == ID_PATTERN:
        return WORDS["identifier"][lang]
    if field.get("format") == "uri":
        return WORDS["uri"][lang]
    return WORDS["text"][lang]


def _comment(schema: TableSchema, field: dict[str, Any], title: str, lang: Lang) -> Comment:
    """Help a steward reads by hovering: title, machine name, required, type, codes, meaning."""
    name = field["name"]
    lines = [
        title,
        f"({name})",
        WORDS["required" if schema.required(name) else "optional"][lang],
        _type_hint(field, lang),
    ]
    labels = schema.enum_labels(name)
    lines += [f"  {code} = {_label(labels, code, lang)}" for code in _codes(field)]
    if field.get("description"):
        lines += ["", f"{WORDS['description'][lang]} {field['description']}"]
    text = "\n".join(lines)
    comment = Comment(text, "Infitah")
    comment.width = 320
    comment.height = min(600, 40 + 18 * (len(lines) + len(text) // 45))
    return comment


def _prompt(lines: list[str], lang: Lang) -> str:
    """Lines that fit Excel's 255-character input message; the comment has the rest."""
    more = WORDS["see_comment"][lang]
    out: list[str] = []
    for line in lines:
        if len("\n".join([*out, line])) > MAX_PROMPT - len(more) - 1:
            out.append(more)
            break
        out.append(line)
    return "\n".join(out)


def _validation(
    schema: TableSchema, field: dict[str, Any], title: str, lists: Worksheet, lang: Lang
) -> DataValidation | None:
    kind = field.get("type", "string")
    minimum = field.get("constraints", {}).get("minimum")
    bound = "" if minimum is None else COMMA[lang] + WORDS["minimum"][lang].format(minimum)
    codes = _codes(field)
    if codes:
        offered = choices(schema, field, lang)
        dv = DataValidation(type="list", formula1=_list_range(lists, schema, field, offered))
        labels = schema.enum_labels(field["name"])
        mapping = [f"{code} = {_label(labels, code, lang)}" for code in codes]
        head = WORDS["list_of" if field.get("x-list-of") else "enum"][lang]
        dv.prompt = _prompt([head, *mapping], lang)
        dv.error = WORDS["error_enum"][lang]
    elif kind == "boolean":
        values = [str(v) for v in (*field.get("trueValues", ()), *field.get("falseValues", ()))]
        if "true" not in values or "false" not in values:
            raise ValueError(f"{schema.name}.{field['name']}: true/false are not accepted")
        yes, no = _yes_no(field, lang)
        dv = DataValidation(type="list", formula1=f'"{yes},{no}"')
        dv.prompt = WORDS["boolean"][lang]
        dv.error = WORDS["error_enum"][lang]
    elif kind == "date":
        dv = DataValidation(
            type="date",
            operator="between",
            formula1=str(int(to_excel(FIRST_DATE))),
            formula2=str(int(to_excel(LAST_DATE))),
        )
        dv.prompt = WORDS["date"][lang]
        dv.error = WORDS["error_date"][lang]
    elif kind == "time":
        dv = DataValidation(type="time", operator="between", formula1="0", formula2="0.99999")
        dv.prompt = WORDS["time"][lang]
        dv.error = WORDS["error_time"][lang]
    elif kind in ("integer", "number"):
        low = minimum if minimum is not None else -MAX_NUMBER
        dv = DataValidation(
            type="whole" if kind == "integer" else "decimal",
            operator="between",
            formula1=str(low),
            formula2=str(MAX_NUMBER),
        )
        dv.prompt = _type_hint(field, lang)
        dv.error = WORDS[f"error_{kind}"][lang].format(bound)
    else:
        return None
    dv.allow_blank = True
    dv.showInputMessage = True
    # Refuse what the schema would refuse, except ';'-joined codes: several codes are not
    # one list item, so there the dropdown only helps to pick.
    dv.showErrorMessage = not field.get("x-list-of")
    dv.promptTitle = title[:MAX_PROMPT_TITLE]
    dv.errorTitle = WORDS["error_title"][lang][:MAX_PROMPT_TITLE]
    dv.error = (dv.error or "")[:MAX_PROMPT]
    dv.errorStyle = "stop"
    return dv


FRENCH_YES_NO = ("oui", "non")


def _yes_no(field: dict[str, Any], lang: Lang) -> tuple[str, str]:
    """The yes/no words the schema accepts in the workbook's language (``oui``/``non``,
    the Arabic pair), else ``true``/``false``."""
    trues = [str(v) for v in field.get("trueValues", ())]
    falses = [str(v) for v in field.get("falseValues", ())]

    def pick(words: list[str], default: str, wanted: str) -> str:
        if lang == "fr":
            return wanted if wanted in words else default
        if lang == "ar":
            return next(
                (w for w in words if w and all("\u0600" <= c <= "\u06ff" for c in w)), default
            )
        return default

    return pick(trues, "true", FRENCH_YES_NO[0]), pick(falses, "false", FRENCH_YES_NO[1])


def _list_range(
    lists: Worksheet, schema: TableSchema, field: dict[str, Any], codes: list[str]
) -> str:
    """Put the codes in a column of the hidden sheet; inline lists stop at 255 characters."""
    column = lists.max_column + 1 if lists["A1"].value is not None else 1
    lists.cell(1, column, f"{schema.name}.{field['name']}")
    for row, code in enumerate(codes, start=2):
        lists.cell(row, column, code).number_format = TEXT_FORMAT
    letter = get_column_letter(column)
    return f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(codes) + 1}"
