"""Findings: what validation says about the data, as values.

A finding is never an exception: validation collects them all so the steward can fix
every problem in one pass. A finding carries a stable code (tests and tools match on
it), where it is, and plain parameters; its words are the code's declared template,
translated from the gettext catalogues only when the finding is rendered. Codes reuse
frictionless's where the meaning is the same (``type-error``, ``primary-key``...), so
people who know frictionless recognise them.

Codes that reading and frictionless give are declared here; each check declares its
own codes where it is registered (``checks.check``), so no code exists without words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

from .i18n import LANGS, N_, Lang, Np_, fill, tr, trn
from .schemas import TableSchema, load

__all__ = ["LANGS", "Finding", "Lang", "Severity", "Template", "declare"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Template:
    """The words of one finding code, as English message ids of the catalogues.

    ``plural`` is the message's plural form (``ngettext`` on the ``count`` parameter).
    ``words`` turn a parameter's plain value into words: ``{"kind": {"phone": "a phone
    number"}}``; a ``"*"`` entry stands for any other non-empty value. A word may use
    the other placeholders (``{value}``...), filled like the message.
    """

    code: str
    severity: Severity
    title: str
    message: str
    hint: str
    plural: str | None = None
    words: Mapping[str, Mapping[str, str]] = dataclass_field(default_factory=dict)


TEMPLATES: dict[str, Template] = {}


def declare(
    code: str,
    severity: Severity,
    title: str,
    message: str | tuple[str, str],
    hint: str,
    words: Mapping[str, Mapping[str, str]] | None = None,
) -> Template:
    """Give a finding code its severity and words (once per code). A counted message
    is given as ``Np_(singular, plural)``, chosen by the ``count`` parameter."""
    single, plural = (message, None) if isinstance(message, str) else message
    template = Template(code, severity, title, single, hint, plural, words or {})
    if TEMPLATES.get(code, template) != template:
        raise ValueError(f"finding code {code!r} declared twice, differently")
    TEMPLATES[code] = template
    return template


# Placeholders: {value} the cell as read, {field_title} the column's title in the
# report's language, {count} how many, plus code-specific ones. A parameter named
# ``<x>_field`` (a field name) is also shown as ``{<x>_title}``, its title.
declare(
    "missing-table",
    "error",
    title=N_("Missing table"),
    message=N_('The file for table "{table}" is not in the folder.'),
    hint=N_("Add {table}.csv, or a sheet named {table} in the Excel workbook."),
)
declare(
    "unknown-file",
    "warning",
    title=N_("Unknown file"),
    message=N_('The file "{file}" matches no known table and was not read.'),
    hint=N_("Name the file after one of the tables: {expected}."),
)
declare(
    "unreadable-file",
    "error",
    title=N_("Unreadable file"),
    message=N_('The file "{file}" cannot be read: {reason}.'),
    hint=N_("Open the file in Excel and save it again as CSV UTF-8 or XLSX."),
    words={
        "reason": {
            "binary": N_("it is neither text nor an Excel workbook"),
            "empty": N_("the file is empty"),
            "zip-bomb": N_("it would expand to an unreasonable size"),
            "not-xlsx": N_("it is not a valid XLSX file"),
            "no-sheet": N_("it has no sheet with this name"),
            "huge-cell": N_("one of its cells is far too long"),
            "unclosed-quote": N_("it looks truncated: a quote is opened and never closed"),
            "long-line": N_("one of its lines is unreasonably long"),
        }
    },
)
declare(
    "unsafe-path",
    "error",
    title=N_("Unsafe path"),
    message=N_('The descriptor points to "{path}", outside the commune folder or remote.'),
    hint=N_("Put the file inside the commune folder and give just its name."),
)
declare(
    "unsafe-file",
    "error",
    title=N_("Link or special file"),
    message=N_(
        'The file "{file}" is a link to a place outside the member\'s folder, or not an '
        "ordinary file: it was not read."
    ),
    hint=N_("Copy the file itself into the folder, not a shortcut or a link to it."),
)
declare(
    "descriptor-field",
    "error",
    title=N_("Descriptor field of the wrong kind"),
    message=N_('In datapackage.json, "{key}" must be {expected}.'),
    hint=N_("Correct the field in datapackage.json, or delete it."),
    words={
        "expected": {
            "text": N_("a text"),
            "object": N_("an object (names with their values)"),
            "list": N_("a list of objects (names with their values)"),
        }
    },
)
declare(
    "excel-error",
    "error",
    title=N_("Excel error in a cell"),
    message=N_("The cell {cell} shows the Excel error {value}: the formula behind it is broken."),
    hint=N_("Correct the formula, or type the value itself."),
)
declare(
    "formula-without-value",
    "error",
    title=N_("Formula without a saved result"),
    message=N_(
        "The cell {cell} holds a formula whose result was never saved in the file, so its "
        "value cannot be read."
    ),
    hint=N_(
        "Open the workbook in Excel and save it again (Excel saves each result), or type the value."
    ),
)
declare(
    "hidden-sheet",
    "warning",
    title=N_("Hidden sheet"),
    message=N_(
        'The sheet "{sheet}" of {file} is hidden: it was not read, so its rows will not be '
        "published."
    ),
    hint=N_("If it holds the table to publish, unhide it (and remove the visible copy)."),
)
declare(
    "unknown-sheet",
    "warning",
    title=N_("Unknown sheet"),
    message=N_('The sheet "{sheet}" of {file} matches no known table and was not read.'),
    hint=N_("Name the sheet after one of the tables: {expected}."),
)
declare(
    "unsupported-format",
    "error",
    title=N_("Spreadsheet format not read"),
    message=N_('The file "{file}" is not in a format Infitah reads (only .xlsx and .csv).'),
    hint=N_('Open it and choose "Save as", then "Excel workbook (.xlsx)".'),
)
declare(
    "duplicate-table",
    "error",
    title=N_("Table found twice"),
    message=N_('The table "{table}" is both in {first} and in {second}: which one is right?'),
    hint=N_("Keep only one of them in the folder."),
)
declare(
    "date-normalised",
    "warning",
    title=N_("Dates rewritten"),
    message=Np_(
        '{count} date of "{field_title}" was written another way (such as "{value}"); it is '
        'published as "{code}".',
        '{count} dates of "{field_title}" were written another way (such as "{value}"); they '
        'are published in the same form (here "{code}").',
    ),
    hint=N_(
        "Nothing to do; write dates as 2024-04-15 to avoid this note (or 2024-04, 2024-Q2, "
        "2024-S1, 2024 where only the month, quarter, semester or year is known)."
    ),
)
declare(
    "ambiguous-date",
    "error",
    title=N_("Date that reads two ways"),
    message=N_(
        '"{value}" can be read as {day_first} (day first) or as {month_first} (month first).'
    ),
    hint=N_("Write it as year-month-day, for example {day_first}."),
)
declare(
    "label-normalised",
    "warning",
    title=N_("Labels written as codes"),
    message=Np_(
        '{count} cell of "{field_title}" was typed as a label or in another case (such as '
        '"{value}"); it is published as its code ("{code}").',
        '{count} cells of "{field_title}" were typed as labels or in another case (such as '
        '"{value}"); they are published as their codes ("{code}").',
    ),
    hint=N_(
        "Nothing to do: labels are welcome (the template's lists offer them); the "
        "published data holds their codes."
    ),
)
declare(
    "legacy-encoding",
    "warning",
    title=N_("Legacy encoding"),
    message=N_("The file is saved as Windows-1256, not UTF-8; it was read correctly."),
    hint=N_('In Excel choose "Save as", then "CSV UTF-8".'),
)
declare(
    "mixed-encoding",
    "error",
    title=N_("Mixed encoding"),
    message=N_("The file mixes two encodings (the encoding changes at line {row})."),
    hint=N_("Copy those lines again from the original source and save as CSV UTF-8."),
)
declare(
    "encoding-error",
    "error",
    title=N_("Encoding error"),
    message=N_("The file cannot be decoded: {reason}."),
    hint=N_("Save the file as CSV UTF-8."),
)
declare(
    "missing-label",
    "error",
    title=N_("Missing column"),
    message=N_('The required column "{field_title}" is missing.'),
    hint=N_('Add a column headed "{field}" or "{field_title}".'),
)
declare(
    "missing-optional-label",
    "warning",
    title=N_("Optional columns missing"),
    message=Np_(
        "{count} optional column is missing ({columns}); it is treated as empty.",
        "{count} optional columns are missing ({columns}); they are treated as empty.",
    ),
    hint=N_("Add the column if you have this information."),
)
declare(
    "extra-label",
    "warning",
    title=N_("Unknown column"),
    message=N_('The column "{value}" is not part of the table and will not be published.'),
    hint=N_("Delete the column, or correct its header if it is a typo."),
)
declare(
    "misspelt-label",
    "error",
    title=N_("Misspelt column"),
    message=N_('The column "{value}" looks like "{field_title}" misspelt; its data is not read.'),
    hint=N_('Rename the column "{field}" or "{field_title}".'),
)
declare(
    "duplicate-label",
    "error",
    title=N_("Duplicate column"),
    message=N_('The column "{field_title}" appears more than once.'),
    hint=N_("Keep only one column with this header."),
)
declare(
    "extra-cell",
    "error",
    title=N_("Extra cell"),
    message=N_('The row has the value "{value}" beyond the table\'s columns.'),
    hint=N_("Check the separators: a stray comma inside a text?"),
)
declare(
    "type-error",
    "error",
    title=N_("Wrong type"),
    message=N_('The value "{value}" in "{field_title}" is not {expected}.'),
    hint=N_("Correct the value so that it has the form shown above."),
    words={
        "expected": {
            "date": N_("a date written YYYY-MM-DD (e.g. 2024-04-15)"),
            "time": N_("a time written HH:MM:SS (e.g. 09:00:00)"),
            "integer": N_("a whole number (e.g. 12)"),
            "number": N_("a number with a decimal point and no spaces (e.g. 150000.50)"),
            "boolean": N_("yes or no"),
            "uri": N_("a full web address starting with https://"),
        }
    },
)
declare(
    "constraint-error",
    "error",
    title=N_("Value not allowed"),
    message=N_('"{field_title}": {constraint}.'),
    hint=N_("Correct the value according to the rule above."),
    words={
        "constraint": {
            "required": N_("this cell is required and cannot be left empty"),
            "enum": N_('the value "{value}" is not one of: {allowed}'),
            "pattern": N_('"{value}" may only contain Latin letters, digits, - _ . and no spaces'),
            "pattern-commune": N_(
                '"{value}" is not a member code shaped like 09.163.07.01 (a commune), 09.163 '
                "(a province), 09 (a region) or MA (text, not a number)"
            ),
            "pattern-list": N_('"{value}" must be codes separated by ; among: {codes}'),
            "minimum": N_('the value "{value}" is below the minimum {limit}'),
            "*": N_('the value "{value}" breaks the constraint {constraint} ({limit})'),
        }
    },
)
declare(
    "primary-key",
    "error",
    title=N_("Duplicate identifier"),
    message=N_('The identifier "{value}" is already used on line {other_row}.'),
    hint=N_("Give each row its own identifier."),
)
declare(
    "foreign-key",
    "error",
    title=N_("Dangling reference"),
    message=N_('The value "{value}" in "{field_title}" does not exist in table "{target}".'),
    hint=N_('Use an identifier that exists in "{target}", or add the missing row there.'),
)
declare(
    "arabic-digits-normalised",
    "warning",
    title=N_("Eastern Arabic digits"),
    message=Np_(
        'Eastern Arabic digits (\u0660-\u0669) in "{field_title}" were converted to 0-9 in '
        "{count} cell.",
        'Eastern Arabic digits (\u0660-\u0669) in "{field_title}" were converted to 0-9 in '
        "{count} cells.",
    ),
    hint=N_("Nothing required; preferably type the digits 0-9 directly."),
)
declare(
    "invisible-characters-removed",
    "warning",
    title=N_("Invisible characters"),
    message=Np_(
        'Direction marks or no-break spaces were removed from "{field_title}" in {count} cell.',
        'Direction marks or no-break spaces were removed from "{field_title}" in {count} cells.',
    ),
    hint=N_("Nothing required; they usually come from copy and paste."),
)
declare(
    "frictionless",
    "error",
    title=N_("Structure error"),
    message=N_("{note}"),
    hint=N_("Correct the cell shown."),
)


@dataclass(frozen=True)
class Finding:
    """One thing validation noticed, located where the steward can find it.

    ``row`` is the line number the steward sees in their file (CSV line or sheet row),
    ``column`` the spreadsheet column letter; both ``None`` for file-level findings.
    ``params`` are plain values (codes, numbers, the cell as read), never translated
    text; they never hold personal data.
    """

    code: str
    table: str | None = None
    row: int | None = None
    field: str | None = None
    file: str | None = None
    column: str | None = None
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    @property
    def template(self) -> Template:
        return TEMPLATES.get(self.code) or TEMPLATES["frictionless"]

    @property
    def severity(self) -> Severity:
        return self.template.severity

    def title(self, lang: Lang = "en") -> str:
        return tr(lang, self.template.title)

    def _values(self, lang: Lang) -> dict[str, Any]:
        schema = _schema(self.table)
        titles = schema.field_titles(lang) if schema is not None else {}
        values: dict[str, Any] = {
            "table": self.table or "",
            "field": self.field or "",
            "file": self.file or "",
            "row": self.row if self.row is not None else "",
            "field_title": titles.get(self.field, self.field) if self.field else "",
        }
        values.update(self.params)
        for key, value in self.params.items():
            if key.endswith("_field") and isinstance(value, str):
                values[key[: -len("_field")] + "_title"] = titles.get(value, value)
        if schema is not None and self.field and "allowed" not in values:
            values["allowed"] = _allowed(schema, self.field, lang)
        for key, choices in self.template.words.items():
            raw = values.get(key)
            word = choices.get(str(raw)) if raw is not None else None
            if word is None and raw not in (None, "") and "*" in choices:
                word = choices["*"]
            if word is not None:
                values[key] = fill(tr(lang, word), values)
        return values

    def message(self, lang: Lang = "en") -> str:
        return self._message(lang, self._values(lang))

    def field_title(self, lang: Lang = "en") -> str:
        """The column's title in ``lang`` as the template names it ('' for no field)."""
        return str(self._values(lang)["field_title"])

    def _message(self, lang: Lang, values: Mapping[str, Any]) -> str:
        template = self.template
        if template.plural is not None:
            text = trn(lang, template.message, template.plural, int(values.get("count", 0)))
        else:
            text = tr(lang, template.message)
        return fill(text, values)

    def hint(self, lang: Lang = "en") -> str:
        return fill(tr(lang, self.template.hint), self._values(lang))

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        """The JSON shape of a finding; pinned by tests, so add keys, never rename."""
        values = self._values(lang)  # once for the message and the hint
        return {
            "code": self.code,
            "table": self.table,
            "row": self.row,
            "field": self.field,
            "message": self._message(lang, values),
            "file": self.file,
            "column": self.column,
            "hint": fill(tr(lang, self.template.hint), values),
        }


def _schema(table: str | None) -> TableSchema | None:
    if not table:
        return None
    try:
        return load(table)
    except Exception:  # an unknown table (a network table, a typo) still gets its words
        return None


def _allowed(schema: TableSchema, field_name: str, lang: Lang) -> str:
    """The codes a field allows, each with its label in ``lang`` (not in English: the
    codes are English words already)."""
    try:
        enum = schema.field(field_name).get("constraints", {}).get("enum")
    except KeyError:
        return ""
    if not enum:
        return ""
    if lang == "en":
        return ", ".join(enum)
    labels = schema.enum_labels(field_name)
    return ", ".join(f"{code} ({labels.get(code, {}).get(lang, code)})" for code in enum)


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
