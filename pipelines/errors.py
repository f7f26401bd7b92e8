"""One small exception family.

Findings about the *data* are values (see ``findings.py``); exceptions are kept for
situations where the job cannot go on: a path that does not exist, a portal that
refuses us. The CLI maps each class to one exit code, so the mapping lives in the
classes themselves and cannot drift.
"""

from __future__ import annotations

from .i18n import N_, fill, tr


class InfitahError(Exception):
    """Base of every error Infitah raises on purpose; carries its exit code.

    ``key`` names a message in ``MESSAGES`` (an English message id of the gettext
    catalogues) so that the user reads it in their language; ``message`` is the English
    text for logs. Each class has a default key, so no error is ever shown without words.
    """

    exit_code = 2
    default_key: str | None = None  # then ``message`` is shown: developers' tools only

    def __init__(
        self, message: str, *, path: str | None = None, key: str | None = None, **params: str
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.key = key or self.default_key
        self.params = {"path": path or "", **params}

    def __reduce__(self) -> tuple[object, ...]:
        """Whole through pickling (a worker process's error reaches the parent with its
        key and parameters, not just its English text)."""
        params = {k: v for k, v in self.params.items() if k != "path"}
        return (_rebuilt, (type(self), self.message, self.path, self.key, params))

    def render(self, lang: str) -> str:
        wording = MESSAGES.get(self.key or "")
        if wording is None:
            return self.message
        return fill(tr(lang, wording), self.params)


# Placeholders: {path} the file or folder, {url} the portal, {action} the call that failed.
MESSAGES: dict[str, str] = {
    "no-such-path": N_("{path}: no such file or folder."),
    "validation-crashed": N_(
        "{path}: reading this folder stopped the process that validated it (a file too "
        "large or damaged?); nothing of it was published."
    ),
    "csv-needs-table": N_("{path} is a single table: name it with --table (one of: {tables})."),
    "not-a-workbook": N_("{path} is not a readable Excel (XLSX) workbook."),
    "bad-descriptor": N_("The descriptor {path} is not valid JSON."),
    "unknown-table": N_('Unknown table "{table}"; known tables: {tables}.'),
    "no-programmes": N_("{path}: no published commune programme (openness-programme-*)."),
    "bad-as-of": N_('The date "{value}" is not written YYYY-MM-DD (e.g. 2025-06-30).'),
    "too-large-to-publish": N_(
        "The table {table} ({path}) is too large to publish in one go (over {limit} MB). "
        "Validate it with infitah validate, then split it into smaller files."
    ),
    "too-large-to-check": N_(
        "The table {table} is over {limit} MB and some validation rules need it whole. "
        "Split it into smaller files."
    ),
    "unreadable": N_("Cannot read {path}."),
    "no-member-code": N_(
        "{path}: no commune code: set x-commune-code in datapackage.json, or fill "
        "commune_code in the action_plans table."
    ),
    "unknown-member": N_("{path}: the member code {code} is not in the reference."),
    "ogp-column-missing": N_('{path} is not OGP\'s commitment sheet: it has no column "{column}".'),
    "ogp-bad-row": N_("{path}, line {line}: the row cannot be read ({detail})."),
    "ogp-too-large": N_("{path} is larger than {limit} MB: not an OGP commitment sheet."),
    "no-such-plan": N_("{path} has no commitment of the action plan {plan}."),
    "no-rows": N_("{path} holds no commitment."),
    "import-unwritable": N_("Cannot write the imported member to {path}: {detail}"),
    "folder-not-empty": N_(
        "{path} already exists and is not empty: give a new folder for the imported member."
    ),
    "portal-auth": N_(
        "The portal {url} refused your API token, or the token's account may not do this "
        "({action}). Check the token on your user page of the portal."
    ),
    "portal-not-found": N_("The portal {url} has no such object ({action})."),
    "portal-conflict": N_(
        "{dataset} was changed by another publication at the same time; nothing was "
        "switched. Run the publication again."
    ),
    "portal-busy": N_(
        "{dataset} is being published by another run; nothing was written. Try again later."
    ),
    "portal-rejected": N_("The portal {url} rejected the data ({action}): {detail}"),
    "portal-unavailable": N_(
        "The portal {url} cannot be reached or failed ({action}: {detail}); nothing was "
        "half-published. Try again later."
    ),
    "portal-refused": N_("The portal {url} refused the request ({action}: HTTP {status})."),
    "portal-foreign-file": N_(
        "A file listed on the portal {url} is at another address ({detail}): it was not "
        "read, and the portal's token was not sent there. Someone changed the resource's "
        "address; put the published file back, then run again."
    ),
    "orchestrator-unavailable": N_(
        "The Prefect server {url} could not be reached or started ({detail}); nothing was "
        "validated or published. Start it (make orchestrate), or unset PREFECT_API_URL to "
        "let Infitah start a temporary one, then try again."
    ),
    "orchestrator-did-not-start": N_(
        "Prefect's temporary server did not start ({detail}); nothing was validated or "
        "published. Try again; if it keeps failing, give it more time "
        "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS) or start a server of your own "
        "(make orchestrate)."
    ),
    "destination-empty": N_(
        "No destination given (is $CKAN_URL set?): give a CKAN address (https://...) or a "
        "catalog folder."
    ),
    "destination-scheme": N_(
        '"{value}" is neither a CKAN address (http:// or https://) nor a folder; Infitah '
        "publishes to nothing else."
    ),
    "destination-host": N_(
        '"{value}" looks like a web address without https://: write https://{value} for a '
        "CKAN portal, or ./{value} for a catalog folder."
    ),
    "destination-file": N_(
        '"{value}" is a file, not a folder: give a catalog folder or a CKAN address.'
    ),
    "template-exists": N_(
        "{path} already exists (perhaps a workbook you filled in): choose another name, or "
        "add --force to replace it."
    ),
    "template-is-folder": N_("{path} is a folder: give the name of the workbook to write."),
    "template-unwritable": N_("Cannot write {path}: {detail}"),
    "catalog-corrupt": N_(
        "The catalog's file {path} is damaged ({detail}): restore it from a backup, or "
        "delete that dataset's folder and publish it again."
    ),
    "portal-record-damaged": N_(
        "The dataset {dataset} on the portal {url} holds in its field {field} something "
        'Infitah cannot read ("{value}"): its record was edited by hand. Nothing of it was '
        "published, since it no longer says what comes next. Put back the field's earlier "
        "value (the dataset's activity stream on the portal keeps it; the last version also "
        "heads the dataset's CHANGELOG.md), then publish again."
    ),
    "not-a-catalog": N_(
        "{path} is not a catalog (no index.json): give a catalog folder or a CKAN URL."
    ),
    "catalog-unwritable": N_("Cannot write the catalog at {path}: {detail}"),
    "upload-empty": N_("No file was sent: choose your workbook or CSV files first."),
    "upload-too-many": N_("Too many files: at most {limit} at once (a zip counts its files)."),
    "upload-too-large": N_("The files are too large: at most {limit} MB together."),
    "upload-kind": N_(
        '"{path}" is not a table Infitah reads: send CSV or XLSX files ({accepted}), or a '
        "zip of them."
    ),
    "upload-duplicate": N_('"{path}" was sent twice: keep one of them.'),
    "upload-bad-zip": N_('"{path}" is not a zip that can be opened.'),
    "upload-zip-bomb": N_(
        '"{path}" would expand to more than {limit} MB, or far more than its own size: it '
        "was not opened."
    ),
    "upload-other-member": N_(
        "These files are the data of member {code}, but you are publishing for {member}: "
        "send your own member's files."
    ),
    "flow-source": N_("Give either a folder (path) or an upload, not both and not neither."),
    "no-such-upload": N_("The upload {id} does not exist (any more): send the files again."),
    "link-bad": N_("{url} is not a link Infitah can fetch."),
    "link-not-https": N_("{url} is not an https:// link: only secure links are fetched."),
    "link-private": N_(
        "{url} points to a private or local address, which the counter does not fetch."
    ),
    "link-unreachable": N_("{url} could not be reached: check the link and its sharing."),
    "link-status": N_(
        "{url} answered with the error {status}: is the workbook shared with anyone who has "
        "the link?"
    ),
    "link-redirects": N_("{url} redirects more than {limit} times: it was not followed."),
    "link-too-large": N_("{url} is larger than {limit} MB."),
    "link-slow": N_("{url} took longer than {seconds} seconds: try again, or download it."),
    "link-not-workbook": N_(
        "{url} is not a workbook (XLSX) or a CSV file: share the spreadsheet itself."
    ),
    "account-name": N_(
        '"{value}" cannot be an account name: use 2 to 64 lowercase letters, digits, '
        "dots, dashes or underscores."
    ),
    "account-password": N_("The password is too short: at least {limit} characters."),
    "account-member-missing": N_(
        "An account publishes for a member: give --member CODE (or --staff)."
    ),
}


def _rebuilt(
    cls: type[InfitahError], message: str, path: str | None, key: str | None, params: dict[str, str]
) -> InfitahError:
    return cls(message, path=path, key=key, **params)


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
    default_key = "portal-refused"


class PortalUnavailable(PortalError):
    """A failure that may pass (connection, timeout, 5xx): retried before it is raised."""

    default_key = "portal-unavailable"


class PortalAuthError(PortalError):
    """The portal rejected our credentials: retrying cannot help."""

    default_key = "portal-auth"


class PortalValidationError(PortalError):
    """The portal rejected what we sent as invalid: retrying cannot help."""

    default_key = "portal-rejected"


class PortalNotFound(PortalError):
    """The object asked for does not exist on the portal."""

    default_key = "portal-not-found"


class PortalConflict(PortalError):
    """Someone else changed the dataset while we were publishing."""

    default_key = "portal-conflict"


class OrchestratorUnavailable(InfitahError):
    """Prefect's server could not be reached or started: a service failure, like the
    portal's, not a fault of the data or of Infitah."""

    exit_code = 3
    default_key = "orchestrator-unavailable"
