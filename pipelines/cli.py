"""Command line: parse arguments, call the library, map exceptions to exit codes.

Exit codes: 0 success (warnings allowed), 1 invalid data, 2 usage or I/O problem,
3 a service failed (the portal, or Prefect's server). No command prints a traceback:
unexpected errors get one line and exit 70 (set INFITAH_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import InfitahError, UsageError
from .i18n import LANGS, N_, Lang, Np_, fill, tr, trn

if TYPE_CHECKING:
    from .publishing import Outcome

EXIT_INVALID = 1
EXIT_INTERNAL = 70


def default_lang() -> str:
    """INFITAH_LANG, else the locale's language when a catalogue has it, else en."""
    explicit = os.environ.get("INFITAH_LANG", "")
    if explicit in LANGS:
        return explicit
    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    language = locale.split(".")[0].split("_")[0]
    return language if language in LANGS else "en"


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default=default_lang,
    show_default="INFITAH_LANG or the locale",
    help="Language of the report and messages.",
)


class _Group(click.Group):
    """Turns Infitah's exceptions into a message in the user's language and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InfitahError as exc:
            lang = _lang_of(ctx)
            click.echo(f"infitah: {exc.render(lang)}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("INFITAH_DEBUG"):
                raise
            click.echo(f"infitah: internal error ({type(exc).__name__}: {exc})", err=True)
            ctx.exit(EXIT_INTERNAL)


def _lang_of(ctx: click.Context) -> str:
    sub = ctx.invoked_subcommand
    args = sys.argv
    if "--lang" in args:
        i = args.index("--lang")
        if i + 1 < len(args) and args[i + 1] in LANGS:
            return args[i + 1]
    del sub
    return default_lang()


@click.group(cls=_Group)
@click.version_option(package_name="infitah")
def cli() -> None:
    """Infitah: validate, publish and aggregate communes' openness programme data."""


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--table", help="Validate PATH as this single table (CSV or XLSX file).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@LANG_OPTION
def validate(path: Path, table: str | None, as_json: bool, lang: Lang) -> None:
    """Validate a commune folder (or one table file with --table)."""
    from .validation import validate

    report = validate(path, table).report
    if as_json:
        click.echo(json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2))
    else:
        click.echo(report.render_text(lang), nl=False)
    sys.exit(0 if report.valid else EXIT_INVALID)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--to",
    "destination",
    default="catalog",
    show_default=True,
    help="A CKAN URL (token in CKAN_API_TOKEN) or a folder for the local catalog.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be published; write nothing.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as JSON (one line per member for several).")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Processes validating members (several members).")  # fmt: skip
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Members written to the portal at once (several members).")  # fmt: skip
@LANG_OPTION
def publish(
    paths: tuple[Path, ...],
    destination: str,
    dry_run: bool,
    as_json: bool,
    workers: int,
    threads: int,
    lang: Lang,
) -> None:
    """Validate member folders and publish each as a new version if it changed.

    With several folders, one process does them all: what is published is read in bulk
    once, unchanged members are not read again, the others are validated in parallel;
    each member succeeds or fails alone. Exit 1 if any is invalid, 3 if the portal failed
    for any."""
    if len(paths) > 1:
        _publish_many(list(paths), destination, dry_run, as_json, workers, threads, lang)
    from .publishing import publish as run

    path = paths[0]
    outcome = run(path, destination, dry_run=dry_run)
    if _told(outcome, outcome.to_dict(lang), as_json, lang):
        click.echo(said(outcome.to_dict(lang), lang))
        for table, change in outcome.changes.items():
            click.echo(f"  {table}: {json.dumps(change, ensure_ascii=False)}")
    sys.exit(EXIT_INVALID if outcome.status == "invalid" else 0)


def _publish_many(
    paths: list[Path],
    destination: str,
    dry_run: bool,
    as_json: bool,
    workers: int,
    threads: int,
    lang: Lang,
) -> None:
    from .publishing import MemberOutcome, publish_many

    def told(result: MemberOutcome) -> None:
        if result.error is not None:
            code, words = result.error.exit_code, result.error.render(lang)
            payload: dict[str, Any] = {"status": "error", "key": result.error.key,
                                       "message": words, "exit_code": code}  # fmt: skip
        else:
            assert result.outcome is not None
            payload = result.outcome.to_dict(lang)
            words = (
                result.outcome.report.summary(lang).replace("\n", " ")
                if result.outcome.status == "invalid" and result.outcome.report is not None
                else said(payload, lang)
            )
        if as_json:
            click.echo(json.dumps({"path": str(result.path), **payload}, ensure_ascii=False))
        else:
            click.echo(f"{result.path.name}: {words}")

    results = publish_many(paths, destination, dry_run=dry_run, workers=workers,
                           threads=threads, told=told)  # fmt: skip
    sys.exit(max((_exit_code(r) for r in results), default=0))


def _exit_code(result: Any) -> int:
    """A member's exit code: its error's (2, 3), 1 when invalid, else 0."""
    if result.error is not None:
        return int(result.error.exit_code)
    return EXIT_INVALID if result.outcome.status == "invalid" else 0


def _told(outcome: Outcome, payload: dict[str, Any], as_json: bool, lang: Lang) -> bool:
    """Print the JSON payload, or the report of invalid data; True when the command has
    still to say in words what was done."""
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif outcome.report is not None and outcome.status == "invalid":
        click.echo(outcome.report.render_text(lang), nl=False)
        click.echo(tr(lang, PUBLISH_WORDS["invalid"]))
    else:
        return True
    return False


PUBLISH_WORDS: dict[str, str] = {
    "published": N_("✔ Published {dataset} version {version} (previous: {previous}): {url}"),
    "unchanged": N_("= Unchanged: {dataset} stays at version {version}; nothing was written."),
    "planned": N_(
        "? Dry run: {dataset} would be published as version {version} "
        "(previous: {previous}). Nothing was written."
    ),
    "invalid": N_("✘ Nothing was published: fix the errors first."),
}


def said(outcome: dict[str, Any], lang: Lang) -> str:
    """One line saying what a publish did (the CLI's and the demo's words)."""
    return fill(
        tr(lang, PUBLISH_WORDS[outcome["status"]]),
        {
            "dataset": outcome["dataset"],
            "version": outcome["version"],
            "previous": outcome["previous_version"] or "—",
            "url": outcome["url"],
        },
    )


@cli.command()
@click.option(
    "--from",
    "source",
    required=True,
    help="Where the communes' programmes are published: a CKAN URL or a catalog folder.",
)
@click.option(
    "--to",
    "destination",
    default="catalog",
    show_default=True,
    help="Where to publish the network dataset: a CKAN URL or a catalog folder.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Date the indicators are computed at, YYYY-MM-DD (default: the latest publication).",
)
@click.option(
    "--count",
    "counted",
    multiple=True,
    type=click.Choice(["reported", "illustrative", "synthetic"]),
    help="Rows the indicators count, by data_status (repeat; default: reported only).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be published; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@LANG_OPTION
def aggregate(
    source: str,
    destination: str,
    as_of: str | None,
    counted: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    lang: Lang,
) -> None:
    """Combine every published commune programme into the network dataset, with indicators."""
    from .aggregate import aggregate as run
    from .credentials import portal_token

    token = portal_token(source)
    bar = _Progress(tr(lang, HARVEST))
    try:
        result = run(
            source,
            destination,
            token=token,
            as_of=_day(as_of),
            dry_run=dry_run,
            counted=counted or ("reported",),
            progress=bar.advance,
            total=bar.start,
        )
    finally:
        bar.close()
    outcome = result.outcome
    if _told(outcome, result.to_dict(lang), as_json, lang):
        n = result.communes
        combined = trn(
            lang,
            "{n} member combined; indicators as of {day}.",
            "{n} members combined; indicators as of {day}.",
            n,
        )
        click.echo(fill(combined, {"n": n, "day": result.as_of}))
        click.echo(said(outcome.to_dict(lang), lang))
    sys.exit(EXIT_INVALID if outcome.status == "invalid" else 0)


HARVEST = N_("Reading programmes")


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"bad --as-of {text!r}", key="bad-as-of", value=text) from None


class _Progress:
    """A bar on stderr for a person watching (a TTY): logs, pipes and --json stay clean."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def start(self, length: int) -> None:
        if sys.stderr.isatty() and length:
            self.bar = click.progressbar(length=length, label=self.label, file=sys.stderr)
            self.bar.__enter__()

    def advance(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--lang",
    type=click.Choice([lang for lang in LANGS if lang != "en"]),
    default="ar",
    show_default=True,
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a filled-in workbook!).")
def template(out: Path, lang: Lang, force: bool) -> None:
    """Write an Excel workbook for stewards: one sheet per table, dropdowns, help."""
    from .template import write_template

    written = write_template(out, lang, force=force)
    click.echo(str(written))


@cli.command()
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of the raw administrative divisions (default: ../shared/data/...).",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output folder.")
def reference(source: Path | None, out: Path | None) -> None:
    """Rebuild datasets/reference (communes list) from the raw administrative divisions."""
    from . import reference as ref

    for path in ref.write_reference(source or ref.DEFAULT_SOURCE, out or ref.REFERENCE_DIR):
        click.echo(str(path))


@cli.command()
@click.option(
    "--datasets",
    type=click.Path(path_type=Path),
    default=Path("datasets"),
    show_default=True,
    help="Folder holding one folder per commune.",
)
@click.option(
    "--to",
    "destination",
    default="catalog",
    show_default=True,
    help="Where to publish: the embedded local catalog by default.",
)
@LANG_OPTION
def demo(datasets: Path, destination: str, lang: Lang) -> None:
    """The main job on the sample communes: validate, then publish what changed."""
    from .flows.orchestrator import ensure_reachable
    from .flows.publish import publish_flow
    from .validation import member_folders

    ensure_reachable()
    failed = 0
    for folder in member_folders(datasets):
        result = publish_flow(str(folder), destination=destination, lang=lang)
        click.echo(f"{folder.name}: {said(result, lang)}")
        failed += result["status"] == "invalid"
    from .flows.aggregate import aggregate_flow

    network = aggregate_flow(destination, destination=destination, lang=lang)
    click.echo(f"{network['dataset']}: {said(network, lang)}")
    failed += network["status"] == "invalid"
    index = Path(destination) / "index.html"
    if index.is_file():
        click.echo(f"→ {index.resolve()}")
    click.echo(fill(tr(lang, COUNTER_HINT), {"url": COUNTER_URL}))
    sys.exit(EXIT_INVALID if failed else 0)


COUNTER_URL = "http://127.0.0.1:8000/"
COUNTER_HINT = N_(
    "The steward's counter (upload, report, publish): run `infitah serve`, then open {url}"
)


CHECK_WORDS = {
    "ok": N_("✔ {name} {version}: valid data package, DCAT-AP 3 conformant"),
    "catalog": N_("✔ The catalog's own description: DCAT-AP 3 conformant"),
    "failed": N_("✘ {name} {version}:"),
    "frictionless": N_("  Frictionless: {problem}"),
    "dcat": N_("  DCAT-AP 3: {problem}"),
    "summary": N_(
        "{datasets} datasets checked: {violations} DCAT-AP violations, "
        "{warnings} recommended properties missing."
    ),
}


@cli.command("check-catalog")
@click.argument("destination")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@LANG_OPTION
def check_catalog(destination: str, as_json: bool, lang: Lang) -> None:
    """Validate every current release (Frictionless) and the catalog's DCAT (DCAT-AP 3
    shapes) of DESTINATION, a catalog folder or a CKAN URL; exit 1 on any failure."""
    from .audit import CATALOG
    from .audit import check_catalog as run
    from .credentials import portal_token

    result = run(destination, portal_token(destination))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for check in result.datasets:
            values = {"name": check.name, "version": check.version}
            if check.ok:
                ok = "catalog" if check.name == CATALOG else "ok"
                click.echo(fill(tr(lang, CHECK_WORDS[ok]), values))
                continue
            click.echo(fill(tr(lang, CHECK_WORDS["failed"]), values))
            for kind, problems in (
                ("frictionless", check.frictionless),
                ("dcat", check.violations),
            ):
                for problem in problems:
                    click.echo(fill(tr(lang, CHECK_WORDS[kind]), {"problem": problem}))
        click.echo(
            fill(
                tr(lang, CHECK_WORDS["summary"]),
                {
                    "datasets": len(result.datasets) - 1,
                    "violations": result.violations,
                    "warnings": result.warnings,
                },
            )
        )
    sys.exit(0 if result.ok else EXIT_INVALID)


IMPORT_WORDS: dict[str, Any] = {
    "done": Np_(
        "{commitments} commitments of {plans} action plan written to {folder}.",
        "{commitments} commitments of {plans} action plans written to {folder}.",
    ),
    "todo": N_("Still to add by the steward (Infitah invents none of it):"),
    "dates": N_("  {count} OGP dates could not be read and were left empty, such as {value}."),
    "scrubbed": N_(
        "  Personal data (e-mail, phone, ID) was left out of {count} texts, marked […]: "
        "first {commitment}."
    ),
}
MISSING_WORDS = {
    "action_plans.title_ar": N_("the Arabic title of {count} action plan(s)"),
    "action_plans.title_fr": N_("the French title of {count} action plan(s)"),
    "commitments.title_ar": N_("the Arabic title of {count} commitment(s)"),
    "commitments.title_fr": N_("the French title of {count} commitment(s)"),
    "commitments.description_ar": N_("the Arabic description of {count} commitment(s)"),
    "commitments.description_fr": N_("the French description of {count} commitment(s)"),
    "commitments.implementation_status": N_(
        "the member's own implementation status of {count} commitment(s)"
    ),
}


@cli.command("import-ogp")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--member", required=True, help="The member's code (e.g. 09.163.07.01).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="New member folder.")
@click.option("--plan", default=None, help="Only this OGP action plan (e.g. AP_MAR01).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@LANG_OPTION
def import_ogp(
    source: Path, member: str, out: Path, plan: str | None, as_json: bool, lang: Lang
) -> None:
    """Turn rows of OGP's commitment data sheet (CSV) into a member folder to validate
    and publish; list what the steward still has to add."""
    from .ogp import import_ogp as run

    result = run(source, member, out, plan)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    one, many = IMPORT_WORDS["done"]
    done = trn(lang, one, many, result.plans)
    click.echo(
        fill(done, {"commitments": result.commitments, "plans": result.plans, "folder": out})
    )
    if result.missing:
        click.echo(tr(lang, IMPORT_WORDS["todo"]))
        for what, count in result.missing:
            click.echo("  - " + fill(tr(lang, MISSING_WORDS[what]), {"count": count}))
    if result.scrubbed:
        first = result.scrubbed[0][0]
        click.echo(
            fill(
                tr(lang, IMPORT_WORDS["scrubbed"]),
                {"count": len(result.scrubbed), "commitment": first},
            )
        )
    if result.unread_dates:
        value = result.unread_dates[0][2]
        click.echo(
            fill(
                tr(lang, IMPORT_WORDS["dates"]), {"count": len(result.unread_dates), "value": value}
            )
        )


@cli.command()
@click.option("--communes", "count", type=click.IntRange(1, 2000), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--plant-errors", type=click.IntRange(0), default=0, show_default=True,
              help="Break this many cells on purpose (listed in planted-errors.json).")  # fmt: skip
def synth(count: int, out: Path, seed: int, plant_errors: int) -> None:
    """Write synthetic communes (real codes, invented rows marked synthetic)."""
    from .synth import synthesise

    folders = synthesise(count, out, seed=seed, plant=plant_errors)
    click.echo(f"{len(folders)} synthetic communes in {out}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--to",
    "destination",
    default="catalog",
    show_default=True,
    help="Where stewards publish: a CKAN URL (they sign in with their CKAN token) or a "
    "catalog folder (local accounts).",
)
@click.option("--home", type=click.Path(path_type=Path), default=Path(".counter"),
              show_default=True, help="Folder of the local accounts.")  # fmt: skip
@click.option("--uploads", type=click.Path(path_type=Path), default=None,
              help="Uploads folder (default: INFITAH_UPLOADS or .counter/uploads).")  # fmt: skip
@click.option("--keep-hours", type=click.FloatRange(0.1), default=24.0, show_default=True,
              help="Uploads older than this are deleted.")  # fmt: skip
@click.option("--approval", is_flag=True, envvar="INFITAH_APPROVAL",
              help="Publishes wait for the network's staff to approve them.")  # fmt: skip
@click.option("--allow-link-host", "allow", multiple=True,
              help="A host (name or name:port) whose links may be fetched even if private "
              "or plain http (repeat; or INFITAH_LINK_ALLOW, comma-separated).")  # fmt: skip
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure (the counter served over https by a proxy).")  # fmt: skip
@LANG_OPTION
def serve(
    host: str,
    port: int,
    destination: str,
    home: Path,
    uploads: Path | None,
    keep_hours: float,
    approval: bool,
    allow: tuple[str, ...],
    secure_cookies: bool,
    lang: Lang,
) -> None:
    """The steward's counter: a web page to upload, read the report, see the changes
    and publish."""
    import uvicorn

    from .links import LinkPolicy
    from .portals import destination as parsed
    from .web.app import config_from_env, create_app

    config = config_from_env(
        destination=parsed(destination),
        home=home,
        uploads=uploads,
        keep_seconds=keep_hours * 3600,
        approval=approval,
        links=LinkPolicy.from_text(",".join(allow)) if allow else None,
        lang=lang,
        secure_cookies=secure_cookies,
    )
    click.echo(f"http://{host}:{port}/")
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning",
                access_log=False)  # fmt: skip


@cli.group()
def accounts() -> None:
    """Local accounts of the steward's counter (embedded catalog), and staff accounts."""


@accounts.command("add")
@click.argument("name")
@click.option("--member", default=None, help="The member's code this account publishes for.")
@click.option("--staff", is_flag=True, help="A network staff account (approves publishes).")
@click.option("--home", type=click.Path(path_type=Path), default=Path(".counter"),
              show_default=True)  # fmt: skip
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@LANG_OPTION
def accounts_add(
    name: str, member: str | None, staff: bool, home: Path, password_stdin: bool, lang: Lang
) -> None:
    """Create (or reset) an account; the password is asked for, never an argument."""
    from .accounts import add

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(tr(lang, PASSWORD), hide_input=True, confirmation_prompt=True)
    account = add(home, name, password, member, staff)
    click.echo(fill(tr(lang, ACCOUNT_ADDED), {"name": account.name,
                                               "member": account.member or "—"}))  # fmt: skip


PASSWORD = N_("Password")
ACCOUNT_ADDED = N_("Account {name} ready (member: {member}).")


def main() -> None:
    cli(prog_name="infitah")


if __name__ == "__main__":
    main()
