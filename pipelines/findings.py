"""Findings: what validation says about the data, as values.

A finding is never an exception: validation collects them all so the steward can fix
every problem in one pass. Each code is stable (tests and tools match on it), and its
wording lives here once, in Arabic, French and English, with a hint saying what to do.
Codes reuse frictionless's where the meaning is the same (``type-error``,
``primary-key``...), so people who know frictionless recognise them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

Lang = Literal["ar", "fr", "en"]
LANGS: tuple[Lang, ...] = ("ar", "fr", "en")
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Template:
    """The wording of one finding code in the three languages."""

    severity: Severity
    title: Mapping[str, str]
    message: Mapping[str, str]
    hint: Mapping[str, str]


def _t(
    severity: Severity,
    title: tuple[str, str, str],
    message: tuple[str, str, str],
    hint: tuple[str, str, str],
) -> Template:
    return Template(
        severity,
        dict(zip(LANGS, title, strict=True)),
        dict(zip(LANGS, message, strict=True)),
        dict(zip(LANGS, hint, strict=True)),
    )


# Placeholders: {value} the cell as read, {field_title} the column's title in the
# report's language, {expected} what was expected, {count} how many, plus code-specific.
CATALOGUE: dict[str, Template] = {
    # --- files and structure -------------------------------------------------------
    "missing-table": _t(
        "error",
        ("جدول ناقص", "Tableau manquant", "Missing table"),
        (
            "لم نجد ملف الجدول «{table}» في المجلد.",
            "Le fichier du tableau « {table} » est introuvable dans le dossier.",
            'The file for table "{table}" is not in the folder.',
        ),
        (
            "أضيفوا الملف {table}.csv أو ورقة باسم {table} في ملف Excel.",
            "Ajoutez le fichier {table}.csv ou une feuille nommée {table} dans le classeur Excel.",
            "Add {table}.csv, or a sheet named {table} in the Excel workbook.",
        ),
    ),
    "unknown-file": _t(
        "warning",
        ("ملف غير معروف", "Fichier non reconnu", "Unknown file"),
        (
            "الملف «{file}» لا يطابق أي جدول معروف، ولم تتم قراءته.",
            "Le fichier « {file} » ne correspond à aucun tableau connu ; il a été ignoré.",
            'The file "{file}" matches no known table and was not read.',
        ),
        (
            "سموا الملف باسم أحد الجداول: {expected}.",
            "Nommez le fichier d'après l'un des tableaux : {expected}.",
            "Name the file after one of the tables: {expected}.",
        ),
    ),
    "unreadable-file": _t(
        "error",
        ("ملف غير مقروء", "Fichier illisible", "Unreadable file"),
        (
            "تعذرت قراءة الملف «{file}»: {reason}.",
            "Impossible de lire le fichier « {file} » : {reason}.",
            'The file "{file}" cannot be read: {reason}.',
        ),
        (
            "افتحوا الملف في Excel واحفظوه من جديد بصيغة CSV UTF-8 أو XLSX.",
            "Ouvrez le fichier dans Excel et enregistrez-le à nouveau en CSV UTF-8 ou en XLSX.",
            "Open the file in Excel and save it again as CSV UTF-8 or XLSX.",
        ),
    ),
    "unsafe-path": _t(
        "error",
        ("مسار غير آمن", "Chemin non sûr", "Unsafe path"),
        (
            "يشير الوصف إلى «{path}»، وهو خارج مجلد الجماعة أو عنوان بعيد.",
            "Le descripteur pointe vers « {path} », hors du dossier de la commune ou distant.",
            'The descriptor points to "{path}", outside the commune folder or remote.',
        ),
        (
            "ضعوا الملف داخل مجلد الجماعة واذكروا اسمه فقط.",
            "Placez le fichier dans le dossier de la commune et indiquez seulement son nom.",
            "Put the file inside the commune folder and give just its name.",
        ),
    ),
    "legacy-encoding": _t(
        "warning",
        ("ترميز قديم", "Encodage ancien", "Legacy encoding"),
        (
            "الملف محفوظ بترميز Windows-1256 وليس UTF-8؛ قرأناه بشكل صحيح.",
            "Le fichier est encodé en Windows-1256 et non en UTF-8 ; il a été lu correctement.",
            "The file is saved as Windows-1256, not UTF-8; it was read correctly.",
        ),
        (
            "في Excel اختاروا «حفظ باسم» ثم «CSV UTF-8».",
            "Dans Excel, choisissez « Enregistrer sous » puis « CSV UTF-8 ».",
            'In Excel choose "Save as", then "CSV UTF-8".',
        ),
    ),
    "mixed-encoding": _t(
        "error",
        ("ترميز مختلط", "Encodage mixte", "Mixed encoding"),
        (
            "يحتوي الملف على ترميزين مختلفين (يتغير الترميز ابتداء من السطر {row}).",
            "Le fichier mélange deux encodages (l'encodage change à la ligne {row}).",
            "The file mixes two encodings (the encoding changes at line {row}).",
        ),
        (
            "انسخوا الأسطر المعنية من المصدر الأصلي واحفظوا الملف بصيغة CSV UTF-8.",
            "Recopiez ces lignes depuis la source d'origine et enregistrez en CSV UTF-8.",
            "Copy those lines again from the original source and save as CSV UTF-8.",
        ),
    ),
    "encoding-error": _t(
        "error",
        ("ترميز غير صالح", "Encodage invalide", "Encoding error"),
        (
            "لا يمكن فك ترميز الملف: {reason}.",
            "Le fichier ne peut pas être décodé : {reason}.",
            "The file cannot be decoded: {reason}.",
        ),
        (
            "احفظوا الملف بصيغة CSV UTF-8.",
            "Enregistrez le fichier en CSV UTF-8.",
            "Save the file as CSV UTF-8.",
        ),
    ),
    "missing-label": _t(
        "error",
        ("عمود ناقص", "Colonne manquante", "Missing column"),
        (
            "العمود الإجباري «{field_title}» غير موجود.",
            "La colonne obligatoire « {field_title} » est absente.",
            'The required column "{field_title}" is missing.',
        ),
        (
            "أضيفوا عمودا عنوانه «{field}» أو «{field_title}».",
            "Ajoutez une colonne intitulée « {field} » ou « {field_title} ».",
            'Add a column headed "{field}" or "{field_title}".',
        ),
    ),
    "missing-optional-label": _t(
        "warning",
        ("عمود اختياري ناقص", "Colonne facultative absente", "Optional column missing"),
        (
            "العمود «{field_title}» غير موجود؛ اعتبرناه فارغا.",
            "La colonne « {field_title} » est absente ; elle est considérée comme vide.",
            'The column "{field_title}" is missing; it is treated as empty.',
        ),
        (
            "أضيفوا العمود إن كانت لديكم هذه المعلومة.",
            "Ajoutez la colonne si vous disposez de cette information.",
            "Add the column if you have this information.",
        ),
    ),
    "extra-label": _t(
        "warning",
        ("عمود غير معروف", "Colonne inconnue", "Unknown column"),
        (
            "العمود «{value}» لا ينتمي إلى الجدول ولن يُنشر.",
            "La colonne « {value} » n'appartient pas au tableau et ne sera pas publiée.",
            'The column "{value}" is not part of the table and will not be published.',
        ),
        (
            "احذفوا العمود أو صححوا عنوانه إن كان خطأ إملائيا.",
            "Supprimez la colonne ou corrigez son intitulé s'il s'agit d'une faute de frappe.",
            "Delete the column, or correct its header if it is a typo.",
        ),
    ),
    "misspelt-label": _t(
        "error",
        ("عنوان عمود به خطأ إملائي", "Intitulé mal orthographié", "Misspelt column"),
        (
            "يبدو أن العمود «{value}» هو «{field_title}» بخطأ إملائي؛ لن تُقرأ معطياته.",
            "La colonne « {value} » semble être « {field_title} » mal orthographiée ; "
            "ses données ne sont pas lues.",
            'The column "{value}" looks like "{field_title}" misspelt; its data is not read.',
        ),
        (
            "صححوا عنوان العمود إلى «{field}» أو «{field_title}».",
            "Renommez la colonne en « {field} » ou « {field_title} ».",
            'Rename the column "{field}" or "{field_title}".',
        ),
    ),
    "duplicate-label": _t(
        "error",
        ("عمود مكرر", "Colonne en double", "Duplicate column"),
        (
            "العمود «{field_title}» مذكور أكثر من مرة.",
            "La colonne « {field_title} » apparaît plusieurs fois.",
            'The column "{field_title}" appears more than once.',
        ),
        (
            "احتفظوا بعمود واحد فقط بهذا العنوان.",
            "Ne gardez qu'une seule colonne portant cet intitulé.",
            "Keep only one column with this header.",
        ),
    ),
    "extra-cell": _t(
        "error",
        ("خلية زائدة", "Cellule en trop", "Extra cell"),
        (
            "السطر يحتوي على قيمة «{value}» خارج الأعمدة المعروفة.",
            "La ligne contient la valeur « {value} » en dehors des colonnes du tableau.",
            'The row has the value "{value}" beyond the table\'s columns.',
        ),
        (
            "تحققوا من الفواصل: ربما توجد فاصلة زائدة داخل نص.",
            "Vérifiez les séparateurs : une virgule de trop dans un texte ?",
            "Check the separators: a stray comma inside a text?",
        ),
    ),
    # --- cells (frictionless codes) -------------------------------------------------
    "type-error": _t(
        "error",
        ("قيمة من نوع غير صحيح", "Valeur de type incorrect", "Wrong type"),
        (
            "القيمة «{value}» في «{field_title}» ليست {expected}.",
            "La valeur « {value} » dans « {field_title} » n'est pas {expected}.",
            'The value "{value}" in "{field_title}" is not {expected}.',
        ),
        (
            "صححوا القيمة لتطابق الصيغة المطلوبة المذكورة أعلاه.",
            "Corrigez la valeur pour qu'elle ait la forme indiquée ci-dessus.",
            "Correct the value so that it has the form shown above.",
        ),
    ),
    "constraint-error": _t(
        "error",
        ("قيمة غير مقبولة", "Valeur non conforme", "Value not allowed"),
        (
            "«{field_title}»: {problem}.",
            "« {field_title} » : {problem}.",
            '"{field_title}": {problem}.',
        ),
        (
            "صححوا القيمة حسب القاعدة المذكورة.",
            "Corrigez la valeur selon la règle indiquée.",
            "Correct the value according to the rule above.",
        ),
    ),
    "primary-key": _t(
        "error",
        ("معرف مكرر", "Identifiant en double", "Duplicate identifier"),
        (
            "المعرف «{value}» مستعمل من قبل في السطر {other_row}.",
            "L'identifiant « {value} » est déjà utilisé à la ligne {other_row}.",
            'The identifier "{value}" is already used on line {other_row}.',
        ),
        (
            "أعطوا لكل سطر معرفا فريدا.",
            "Donnez un identifiant unique à chaque ligne.",
            "Give each row its own identifier.",
        ),
    ),
    "foreign-key": _t(
        "error",
        ("مرجع غير موجود", "Référence introuvable", "Dangling reference"),
        (
            "القيمة «{value}» في «{field_title}» لا توجد في جدول «{target}».",
            "La valeur « {value} » dans « {field_title} » n'existe pas dans le tableau "
            "« {target} ».",
            'The value "{value}" in "{field_title}" does not exist in table "{target}".',
        ),
        (
            "استعملوا معرفا موجودا في جدول «{target}» أو أضيفوا السطر الناقص هناك.",
            "Utilisez un identifiant présent dans « {target} », ou ajoutez-y la ligne manquante.",
            'Use an identifier that exists in "{target}", or add the missing row there.',
        ),
    ),
    # --- normalisation (reading) ----------------------------------------------------
    "arabic-digits-normalised": _t(
        "warning",
        ("أرقام عربية مشرقية", "Chiffres arabes orientaux", "Eastern Arabic digits"),
        (
            "حولنا الأرقام المشرقية (٠-٩) في «{field_title}» إلى أرقام 0-9 في {count} خلية.",
            "Les chiffres orientaux (٠-٩) de « {field_title} » ont été convertis en 0-9 "
            "dans {count} cellule(s).",
            'Eastern Arabic digits (٠-٩) in "{field_title}" were converted to 0-9 '
            "in {count} cell(s).",
        ),
        (
            "لا شيء إلزامي؛ يستحسن كتابة الأرقام 0-9 مباشرة.",
            "Rien d'obligatoire ; de préférence saisissez directement les chiffres 0-9.",
            "Nothing required; preferably type the digits 0-9 directly.",
        ),
    ),
    "invisible-characters-removed": _t(
        "warning",
        ("رموز غير مرئية", "Caractères invisibles", "Invisible characters"),
        (
            "حذفنا رموز اتجاه الكتابة أو المسافات غير القابلة للكسر في «{field_title}» "
            "من {count} خلية.",
            "Des marques de direction ou espaces insécables ont été retirés de « {field_title} » "
            "dans {count} cellule(s).",
            'Direction marks or no-break spaces were removed from "{field_title}" '
            "in {count} cell(s).",
        ),
        (
            "لا شيء إلزامي؛ هذه الرموز تأتي غالبا من النسخ واللصق.",
            "Rien d'obligatoire ; ils proviennent souvent d'un copier-coller.",
            "Nothing required; they usually come from copy and paste.",
        ),
    ),
    # --- our checks -------------------------------------------------------------------
    "date-order": _t(
        "error",
        ("تواريخ غير منطقية", "Dates incohérentes", "Dates out of order"),
        (
            "«{field_title}» ({value}) يسبق «{other_title}» ({other_value}).",
            "« {field_title} » ({value}) est antérieure à « {other_title} » ({other_value}).",
            '"{field_title}" ({value}) is before "{other_title}" ({other_value}).',
        ),
        (
            "تحققوا من التاريخين؛ ربما تم تبديل اليوم والشهر.",
            "Vérifiez les deux dates ; le jour et le mois ont peut-être été inversés.",
            "Check both dates; day and month may have been swapped.",
        ),
    ),
    "milestone-outside-cycle": _t(
        "error",
        ("مرحلة خارج دورة البرنامج", "Jalon hors du cycle", "Milestone outside the cycle"),
        (
            "تاريخ «{field_title}» ({value}) خارج دورة البرنامج ({cycle_start} – {cycle_end}).",
            "La date « {field_title} » ({value}) est hors du cycle du programme "
            "({cycle_start} – {cycle_end}).",
            'The date "{field_title}" ({value}) is outside the programme\'s cycle '
            "({cycle_start} – {cycle_end}).",
        ),
        (
            "صححوا التاريخ أو مددوا الدورة في جدول action_plans.",
            "Corrigez la date ou ajustez le cycle dans le tableau action_plans.",
            "Correct the date, or adjust the cycle in the action_plans table.",
        ),
    ),
    "complete-with-open-milestones": _t(
        "error",
        (
            "التزام مكتمل بمراحل غير منجزة",
            "Engagement achevé, jalons ouverts",
            "Complete too early",
        ),
        (
            "الالتزام «{value}» مسجل كمكتمل، لكن {count} من مراحله غير منجزة: {milestones}.",
            "L'engagement « {value} » est marqué achevé, mais {count} jalon(s) ne le sont pas : "
            "{milestones}.",
            'Commitment "{value}" is marked complete, but {count} of its milestones are not: '
            "{milestones}.",
        ),
        (
            "إما أن تسجلوا المراحل كمنجزة أو تغيروا درجة إنجاز الالتزام.",
            "Marquez ces jalons comme achevés, ou changez le niveau d'achèvement.",
            "Mark those milestones complete, or change the commitment's completion.",
        ),
    ),
    "unknown-commune": _t(
        "error",
        ("رمز جماعة غير معروف", "Code de commune inconnu", "Unknown commune code"),
        (
            "الرمز «{value}» لا يوجد في اللائحة المرجعية للجماعات.",
            "Le code « {value} » ne figure pas dans la liste de référence des communes.",
            'The code "{value}" is not in the reference list of communes.',
        ),
        (
            "انسخوا رمز جماعتكم من datasets/reference/communes.csv{suggestion}.",
            "Recopiez le code de votre commune depuis datasets/reference/communes.csv{suggestion}.",
            "Copy your commune's code from datasets/reference/communes.csv{suggestion}.",
        ),
    ),
    "commune-mismatch": _t(
        "error",
        ("جماعة مختلفة", "Autre commune", "Different commune"),
        (
            "السطر يخص الجماعة «{value}» بينما المجلد خاص بالجماعة «{expected}».",
            "La ligne concerne la commune « {value} » alors que le dossier est celui de "
            "« {expected} ».",
            'The row is about commune "{value}" but the folder belongs to "{expected}".',
        ),
        (
            "ضعوا رمز الجماعة الصحيح، أو انقلوا السطر إلى مجلد جماعته.",
            "Corrigez le code, ou déplacez la ligne dans le dossier de sa commune.",
            "Correct the code, or move the row to its own commune's folder.",
        ),
    ),
    "personal-data": _t(
        "error",
        ("معطيات شخصية", "Donnée personnelle", "Personal data"),
        (
            "يبدو أن «{field_title}» يحتوي على {kind}؛ لا يجوز نشره (القانون 09-08).",
            "« {field_title} » semble contenir {kind} ; cela ne peut pas être publié (loi 09-08).",
            '"{field_title}" seems to contain {kind}; it must not be published (Law 09-08).',
        ),
        (
            "احذفوا المعطى الشخصي، واذكروا المصلحة أو الصفة بدل الشخص.",
            "Retirez la donnée personnelle ; indiquez le service ou la fonction plutôt que "
            "la personne.",
            "Remove it; name the unit or role instead of the person.",
        ),
    ),
    "formula-injection": _t(
        "error",
        ("نص يبدأ برمز خطير", "Texte commençant par une formule", "Formula-like text"),
        (
            "النص في «{field_title}» يبدأ بالرمز «{symbol}»، وقد ينفذه Excel كصيغة.",
            "Le texte de « {field_title} » commence par « {symbol} », qu'Excel peut exécuter "
            "comme une formule.",
            'The text in "{field_title}" starts with "{symbol}", which Excel may run as a formula.',
        ),
        (
            "احذفوا الرمز من بداية النص أو أعيدوا صياغته.",
            "Supprimez ce symbole en début de texte ou reformulez.",
            "Remove the symbol from the start of the text, or reword it.",
        ),
    ),
    "not-arabic-script": _t(
        "error",
        ("نص عربي غير مقروء", "Texte arabe illisible", "Arabic text expected"),
        (
            "العمود «{field_title}» ينتظر نصا بالعربية، لكن القيمة «{value}» لا تحتوي على حروف "
            "عربية.",
            "La colonne « {field_title} » attend un texte en arabe, mais « {value} » ne contient "
            "aucune lettre arabe.",
            'The column "{field_title}" expects Arabic text, but "{value}" has no Arabic letters.',
        ),
        (
            "إن ظهرت رموز غريبة فالملف محفوظ بترميز خاطئ: احفظوه بصيغة CSV UTF-8. "
            "وإلا فاكتبوا النص بالعربية.",
            "Si des signes étranges apparaissent, le fichier a été mal encodé : "
            "enregistrez-le en CSV UTF-8. Sinon, saisissez le texte en arabe.",
            "If you see odd symbols, the file was saved with the wrong encoding: save it as "
            "CSV UTF-8. Otherwise write the text in Arabic.",
        ),
    ),
    "missing-translation": _t(
        "warning",
        ("ترجمة ناقصة", "Traduction manquante", "Missing translation"),
        (
            "«{field_title}» فارغ في {count} سطر بينما «{other_title}» معبأ.",
            "« {field_title} » est vide dans {count} ligne(s) où « {other_title} » est rempli.",
            '"{field_title}" is empty in {count} row(s) where "{other_title}" is filled.',
        ),
        (
            "أضيفوا الترجمة ليستفيد الجميع من المعطيات.",
            "Ajoutez la traduction pour que chacun puisse lire les données.",
            "Add the translation so that everyone can read the data.",
        ),
    ),
    # Any frictionless error we have no wording for keeps its code and its own note.
    "frictionless": _t(
        "error",
        ("خطأ في البنية", "Erreur de structure", "Structure error"),
        ("{note}", "{note}", "{note}"),
        (
            "صححوا الخلية المذكورة.",
            "Corrigez la cellule indiquée.",
            "Correct the cell shown.",
        ),
    ),
}


@dataclass(frozen=True)
class Finding:
    """One thing validation noticed, located where the steward can find it.

    ``row`` is the line number the steward sees in their file (CSV line or sheet row),
    ``column`` the spreadsheet column letter; both ``None`` for file-level findings.
    ``params`` fill the templates; they never hold personal data.
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
        return CATALOGUE.get(self.code) or CATALOGUE["frictionless"]

    @property
    def severity(self) -> Severity:
        return self.template.severity

    def _fill(self, text: str, lang: Lang, titles: Mapping[str, str] | None) -> str:
        values: dict[str, Any] = {
            "table": self.table or "",
            "field": self.field or "",
            "file": self.file or "",
            "row": self.row if self.row is not None else "",
            "field_title": self.field or "",
        }
        if titles and self.field:
            values["field_title"] = titles.get(self.field, self.field)
        values.update(self.params)
        for key, value in list(values.items()):
            if isinstance(value, Mapping) and lang in value:
                values[key] = value[lang]
        return text.format_map(_Missing(values))

    def message(self, lang: Lang = "en", titles: Mapping[str, str] | None = None) -> str:
        return self._fill(self.template.message[lang], lang, titles)

    def hint(self, lang: Lang = "en", titles: Mapping[str, str] | None = None) -> str:
        return self._fill(self.template.hint[lang], lang, titles)

    def to_dict(self, lang: Lang = "en", titles: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The JSON shape of a finding; pinned by tests, so add keys, never rename."""
        return {
            "code": self.code,
            "table": self.table,
            "row": self.row,
            "field": self.field,
            "message": self.message(lang, titles),
            "file": self.file,
            "column": self.column,
            "hint": self.hint(lang, titles),
        }


class _Missing(dict[str, Any]):
    """Leaves an unknown placeholder visible instead of crashing the report."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
