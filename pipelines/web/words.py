"""Every word of the counter's pages, as English message ids of the gettext catalogues.

Templates ask for a word by key (``t("upload")``); the text is translated once, when
the page is rendered, in the steward's language.
"""

from __future__ import annotations

from ..i18n import N_

WORDS: dict[str, str] = {
    "title": N_("Infitah: the steward's counter"),
    "lang": N_("Language"),
    "signin": N_("Sign in"),
    "signout": N_("Sign out"),
    "signin_intro_catalog": N_("Sign in with the account the network's staff created for you."),
    "signin_intro_ckan": N_(
        "Sign in with your CKAN API token: on the portal, open your user page, then "
        "\u201cAPI Tokens\u201d, and create one. It stays on this server for this browser only."
    ),
    "account": N_("Account"),
    "password": N_("Password"),
    "token": N_("CKAN API token"),
    "signin_failed": N_("Sign-in refused: the name, the password or the token is wrong."),
    "signin_throttled": N_(
        "Too many failed sign-ins: wait a quarter of an hour before trying again."
    ),
    "no_member": N_(
        "Your account may publish for no member of the network: ask the network's staff to "
        "make you an editor of your collectivity's organization."
    ),
    "signed_in_as": N_("Signed in as {name}"),
    "member": N_("Member"),
    "choose_member": N_("Publish for"),
    "member_code": N_("Member code (e.g. 09.163.07.01)"),
    "choose": N_("Choose"),
    "upload_title": N_("Check your files"),
    "upload_intro": N_(
        "Send your workbook, your CSV or XLSX files, or a zip of them; or paste the share "
        "link of your online workbook. Nothing is published before you confirm."
    ),
    "files": N_("Files"),
    "drop": N_("or drop your files here"),
    "link": N_("Share link of an online workbook"),
    "check": N_("Check"),
    "uploading": N_("Sending and checking…"),
    "limits": N_("At most {files} files and {mb} MB together."),
    "report_title": N_("Report"),
    "errors": N_("Errors"),
    "warnings": N_("Warnings"),
    "file": N_("File"),
    "sheet": N_("Sheet"),
    "line": N_("Line"),
    "column": N_("Column"),
    "field": N_("Field"),
    "problem": N_("Problem"),
    "todo": N_("What to do"),
    "more": N_("… and {n} more of this kind (all are in the annotated workbook)."),
    "annotated": N_("Download your workbook with the problems marked"),
    "fix_and_resend": N_("Fix the files and send them again."),
    "send_again": N_("Check other files"),
    "plan_title": N_("What publishing will change"),
    "unchanged": N_("Nothing changed since version {version}: publishing would write nothing."),
    "first": N_("First version: {version}. Every table is new."),
    "next": N_("Next version: {version} (now {previous})."),
    "why_major": N_(
        "Major: rows, columns or a table were removed, or a column changed type: people who "
        "reuse the data may need to adapt."
    ),
    "why_minor": N_("Minor: rows, columns or tables were added."),
    "why_patch": N_("Patch: values were corrected, or the description changed."),
    "table": N_("Table"),
    "rows_added": N_("rows added"),
    "rows_removed": N_("rows removed"),
    "rows_changed": N_("rows changed"),
    "row": N_("Row"),
    "old": N_("Before"),
    "new": N_("After"),
    "empty": N_("(empty)"),
    "confirm": N_("I have read the report and the changes, and I want to publish them."),
    "publish": N_("Publish"),
    "publish_approval": N_("Publish (the network's staff will approve it first)"),
    "run_title": N_("Publication"),
    "run_state": N_("State: {state}"),
    "state_starting": N_("starting"),
    "state_running": N_("publishing"),
    "state_awaiting": N_("awaiting approval by the network's staff"),
    "state_published": N_("published"),
    "state_unchanged": N_("unchanged: nothing was written"),
    "state_rejected": N_("rejected by the network's staff: nothing was written"),
    "state_invalid": N_("not valid: nothing was written"),
    "state_failed": N_(
        "failed: nothing was made current; try again later, or ask the network's staff"
    ),
    "comment": N_("Comment"),
    "published_version": N_("Version {version} is published."),
    "open_dataset": N_("Open the dataset"),
    "flow_run": N_("Prefect flow run"),
    "history_title": N_("Published versions"),
    "history_none": N_("Nothing is published yet for this member."),
    "changelog": N_("Changelog"),
    "staff_title": N_("Publishes awaiting approval"),
    "staff_none": N_("No publish is waiting."),
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "staff_only": N_("This page is for the network's staff."),
    "not_found": N_("This page does not exist, or is not yours."),
    "forbidden": N_("The form expired or did not come from this site: go back and try again."),
    "error_title": N_("Something is wrong"),
    "back": N_("Back"),
}
