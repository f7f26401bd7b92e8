"""One small exception family.

Findings about the *data* are values (see ``findings.py``); exceptions are kept for
situations where the job cannot go on: a path that does not exist, a portal that
refuses us. The CLI maps each class to one exit code, so the mapping lives in the
classes themselves and cannot drift.
"""

from __future__ import annotations


class InfitahError(Exception):
    """Base of every error Infitah raises on purpose; carries its exit code.

    ``key`` names a wording in ``MESSAGES`` so the CLI can speak the user's language;
    ``message`` is the English text, used in logs and when no wording exists.
    """

    exit_code = 2

    def __init__(
        self, message: str, *, path: str | None = None, key: str | None = None, **params: str
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.key = key
        self.params = {"path": path or "", **params}

    def render(self, lang: str) -> str:
        wording = MESSAGES.get(self.key or "", {}).get(lang)
        return wording.format(**self.params) if wording else self.message


MESSAGES: dict[str, dict[str, str]] = {
    "no-such-path": {
        "ar": "المسار «{path}» غير موجود.",
        "fr": "Le chemin « {path} » n'existe pas.",
        "en": "{path}: no such file or folder.",
    },
    "csv-needs-table": {
        "ar": "الملف «{path}» جدول واحد: حددوا اسمه بالخيار --table (من بين: {tables}).",
        "fr": "« {path} » est un seul tableau : indiquez lequel avec --table (parmi : {tables}).",
        "en": "{path} is a single table: name it with --table (one of: {tables}).",
    },
    "not-a-workbook": {
        "ar": "الملف «{path}» ليس ملف Excel (XLSX) مقروءا.",
        "fr": "« {path} » n'est pas un classeur Excel (XLSX) lisible.",
        "en": "{path} is not a readable Excel (XLSX) workbook.",
    },
    "bad-descriptor": {
        "ar": "ملف الوصف «{path}» ليس JSON صالحا.",
        "fr": "Le descripteur « {path} » n'est pas un JSON valide.",
        "en": "The descriptor {path} is not valid JSON.",
    },
    "unknown-table": {
        "ar": "الجدول «{table}» غير معروف؛ الجداول المعروفة: {tables}.",
        "fr": "Tableau « {table} » inconnu ; tableaux connus : {tables}.",
        "en": "Unknown table {table!r}; known tables: {tables}.",
    },
    "no-programmes": {
        "ar": "لا يوجد في «{path}» أي برنامج جماعة منشور (openness-programme-*).",
        "fr": "Aucun programme de commune publié (openness-programme-*) dans « {path} ».",
        "en": "{path}: no published commune programme (openness-programme-*).",
    },
    "bad-as-of": {
        "ar": "التاريخ «{value}» ليس بصيغة سنة-شهر-يوم (مثلا 2025-06-30).",
        "fr": "La date « {value} » n'est pas au format AAAA-MM-JJ (par ex. 2025-06-30).",
        "en": "The date {value!r} is not written YYYY-MM-DD (e.g. 2025-06-30).",
    },
    "too-large-to-publish": {
        "ar": "الجدول «{table}» ({path}) أكبر من أن يُنشر دفعة واحدة (أكثر من {limit} ميغابايت). "
        "تحققوا منه بالأمر infitah validate ثم قسموه إلى ملفات أصغر.",
        "fr": "Le tableau « {table} » ({path}) est trop volumineux pour être publié d'un bloc "
        "(plus de {limit} Mo). Validez-le avec infitah validate, puis découpez-le en "
        "fichiers plus petits.",
        "en": "The table {table} ({path}) is too large to publish in one go (over {limit} MB). "
        "Validate it with infitah validate, then split it into smaller files.",
    },
    "too-large-to-check": {
        "ar": "الجدول «{table}» أكبر من {limit} ميغابايت، وبعض قواعد التحقق تحتاجه كاملا في "
        "الذاكرة. قسموه إلى ملفات أصغر.",
        "fr": "Le tableau « {table} » dépasse {limit} Mo et certaines règles de validation "
        "en ont besoin en entier. Découpez-le en fichiers plus petits.",
        "en": "The table {table} is over {limit} MB and some validation rules need it whole. "
        "Split it into smaller files.",
    },
    "unreadable": {
        "ar": "تعذرت قراءة «{path}».",
        "fr": "Impossible de lire « {path} ».",
        "en": "Cannot read {path}.",
    },
}


class UsageError(InfitahError):
    """The command was called wrongly (bad option combination, unknown table)."""

    exit_code = 2


class InputError(InfitahError):
    """A file or folder cannot be read at all (missing, unreadable, not a table)."""

    exit_code = 2


class InvalidData(InfitahError):
    """Raised by publishing when validation failed: nothing may be written."""

    exit_code = 1


class PortalError(InfitahError):
    """The portal failed after retries, or refused the request."""

    exit_code = 3


class PortalUnavailable(PortalError):
    """A failure that may pass (connection, timeout, 5xx): retried before it is raised."""


class PortalAuthError(PortalError):
    """The portal rejected our credentials: retrying cannot help."""


class PortalValidationError(PortalError):
    """The portal rejected what we sent as invalid: retrying cannot help."""


class PortalNotFound(PortalError):
    """The object asked for does not exist on the portal."""


class PortalConflict(PortalError):
    """Someone else changed the dataset while we were publishing."""
