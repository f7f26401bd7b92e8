"""The steward's counter: pages that parse a request, call the library, and render.

Like the CLI, a page only parses input, calls ``counter``/``uploads``/``annotate`` and
the one publish sequence (as a Prefect flow run, ``runs.py``), and maps exceptions to a
message and a status. Every page is rendered by Jinja2 with autoescape, so nothing from
a steward's files becomes markup; forms carry a CSRF token bound to the server-side
session; pages work without JavaScript (a small script adds drag-and-drop and a
progress bar).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import accounts, counter
from .. import uploads as store
from ..annotate import annotated
from ..errors import InfitahError, PortalNotFound
from ..findings import Finding
from ..i18n import LANGS, Lang, fill, tr
from ..links import LinkPolicy, fetch
from ..portals import is_url
from ..report import SHOWN_PER_KIND
from . import runs
from .sessions import COOKIE, Session, Sessions
from .words import WORDS

LANG_COOKIE = "infitah_lang"
STATIC = Path(__file__).parent / "static"


@dataclass
class Config:
    """How the counter runs (``infitah serve`` options and their environment variables)."""

    destination: str = "catalog"
    home: Path = Path(".counter")
    uploads: Path = field(default_factory=store.root)
    keep_seconds: float = store.KEEP_SECONDS
    approval: bool = False
    links: LinkPolicy = field(default_factory=LinkPolicy)
    lang: Lang = "ar"
    secure_cookies: bool = False
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))


class Counter:
    """The application's state: sessions, throttle, runs, and what each upload said."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.ckan = is_url(config.destination)
        self.sessions = Sessions(config.secret)
        self.throttle = accounts.Throttle()
        self.runs = runs.Runs(config.destination, config.approval)
        self.examined: dict[str, counter.Examination] = {}
        self.templates = Environment(
            loader=PackageLoader("pipelines.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )

    # --- request plumbing ------------------------------------------------------------

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def lang(self, request: Request) -> Lang:
        chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
        if chosen in LANGS:
            return chosen
        for part in request.headers.get("accept-language", "").split(","):
            code = part.split(";")[0].strip().split("-")[0].lower()
            if code in LANGS:
                return code
        return self.config.lang

    def page(
        self,
        request: Request,
        template: str,
        status: int = 200,
        session: Session | None = None,
        **values: Any,
    ) -> HTMLResponse:
        lang = self.lang(request)
        session = session or self.session(request)

        def t(key: str, **params: Any) -> str:
            return fill(tr(lang, WORDS[key]), params)

        html = self.templates.get_template(template).render(
            t=t,
            lang=lang,
            langs=LANGS,
            dir="rtl" if lang == "ar" else "ltr",
            session=session,
            csrf=session.csrf if session else "",
            here=quote(request.url.path),
            ckan=self.ckan,
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        _harden(response)
        return response

    def failed(self, request: Request, message: str, status: int) -> HTMLResponse:
        return self.page(request, "error.html", status=status, message=message)

    def set_session_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.sessions.cookie(session),
            httponly=True,
            samesite="lax",
            secure=self.config.secure_cookies,
            path="/",
        )

    async def form(self, request: Request, session: Session | None) -> Any:
        """The posted form, or None when its CSRF token is not this session's."""
        form = await request.form(max_files=store.MAX_FILES, max_fields=50)
        given = form.get("csrf")
        if session is None or not isinstance(given, str) or not session.csrf_ok(given):
            await form.close()
            return None
        return form


def create_app(config: Config) -> Starlette:
    app_state = Counter(config)
    config.uploads.mkdir(parents=True, exist_ok=True)
    # In-process publish runs find uploads where workers do: through INFITAH_UPLOADS.
    os.environ[store.UPLOADS_ENV] = str(config.uploads.resolve())

    def signed_in(request: Request) -> Session | None:
        session = app_state.session(request)
        return session if session is not None and session.steward is not None else None

    async def home(request: Request) -> Response:
        session = signed_in(request)
        if session is None:
            return RedirectResponse("/signin", 303)
        await run_in_threadpool(store.sweep, config.uploads, config.keep_seconds)
        for gone in [k for k in app_state.examined if not (config.uploads / k).is_dir()]:
            app_state.examined.pop(gone, None)  # what a swept upload said goes with it
        history = None
        if session.member:
            try:
                history = await run_in_threadpool(
                    counter.history, config.destination, session.member, session.token
                )
            except InfitahError:
                history = None
        versions = [
            (v, {n: counter.file_url(config.destination, u) for n, u in files.items()})
            for v, files in reversed(history.versions if history else [])
        ]
        return app_state.page(
            request,
            "home.html",
            session=session,
            versions=versions,
            changelog=history.changelog if history else "",
            limits={"files": store.MAX_FILES, "mb": store.MAX_BYTES // (1024 * 1024)},
            member_name=_member_name(session.member, app_state.lang(request)),
            choices=[
                (c, _member_name(c, app_state.lang(request)))
                for c in (session.steward.members if session.steward else ())
            ],
        )

    async def signin_page(request: Request) -> Response:
        session = app_state.session(request) or app_state.sessions.new()
        response = app_state.page(request, "signin.html", session=session)
        app_state.set_session_cookie(response, session)
        return response

    async def signin(request: Request) -> Response:
        session = app_state.session(request)
        form = await app_state.form(request, session)
        if form is None or session is None:
            return app_state.failed(request, tr(app_state.lang(request), WORDS["forbidden"]), 403)
        lang = app_state.lang(request)
        client = request.client.host if request.client else "?"
        secret = str(form.get("token" if app_state.ckan else "password") or "")
        name = str(form.get("account") or "")[:64]
        keys = (f"ip:{client}", f"name:{name or _fingerprint(secret)}")
        if app_state.throttle.blocked(*keys):
            return app_state.page(request, "signin.html", status=429, session=session,
                                  error=tr(lang, WORDS["signin_throttled"]))  # fmt: skip
        steward = await run_in_threadpool(_authenticate, app_state, name, secret)
        if steward is None:
            app_state.throttle.failed(*keys)
            return app_state.page(request, "signin.html", status=401, session=session,
                                  error=tr(lang, WORDS["signin_failed"]))  # fmt: skip
        app_state.throttle.succeeded(*keys)
        app_state.sessions.drop(session)  # a new id after sign-in: no fixation
        fresh = app_state.sessions.new()
        fresh.steward = steward
        fresh.token = secret if app_state.ckan else None
        if len(steward.members) == 1 and not steward.any_member:
            fresh.member = steward.members[0]
        response = RedirectResponse("/", 303)
        app_state.set_session_cookie(response, fresh)
        return response

    async def signout(request: Request) -> Response:
        session = app_state.session(request)
        form = await app_state.form(request, session)
        if form is not None and session is not None:
            app_state.sessions.drop(session)
        response = RedirectResponse("/signin", 303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def choose_member(request: Request) -> Response:
        session = signed_in(request)
        form = await app_state.form(request, session)
        if form is None or session is None or session.steward is None:
            return app_state.failed(request, tr(app_state.lang(request), WORDS["forbidden"]), 403)
        code = str(form.get("member") or "").strip()
        if not session.steward.may_publish(code):
            return app_state.failed(request, tr(app_state.lang(request), WORDS["not_found"]), 404)
        session.member = code
        return RedirectResponse("/", 303)

    async def upload(request: Request) -> Response:
        session = signed_in(request)
        lang = app_state.lang(request)
        try:
            form = await app_state.form(request, session)
        except InfitahError as exc:
            return app_state.failed(request, exc.render(lang), 400)
        except Exception:  # a malformed or oversized multipart body
            return app_state.failed(request, tr(lang, WORDS["error_title"]), 400)
        if form is None or session is None or not session.member:
            return app_state.failed(request, tr(lang, WORDS["forbidden"]), 403)
        member, token = session.member, session.token

        def keep(files: list[tuple[str, bytes]], link: str) -> store.Upload:
            if link:
                files.append(fetch(link, config.links))
            stored = store.store(config.uploads, member, files)
            app_state.examined[stored.id] = counter.examine(stored, config.destination, token)
            return stored

        try:
            files = await _files(form)
            stored = await run_in_threadpool(keep, files, str(form.get("link") or "").strip())
        except InfitahError as exc:
            return app_state.failed(request, exc.render(lang), 400)
        finally:
            await form.close()
        return RedirectResponse(f"/uploads/{stored.id}", 303)

    def owned(request: Request) -> tuple[Session, store.Upload] | None:
        """The signed-in steward's own upload, or None (someone else's looks absent)."""
        session = signed_in(request)
        if session is None or session.steward is None:
            return None
        found = store.load(config.uploads, request.path_params["upload"])
        if found is None or found.member != session.member:
            return None
        if not session.steward.may_publish(found.member):
            return None
        return session, found

    def examination(found: store.Upload, session: Session) -> counter.Examination:
        if found.id not in app_state.examined:
            app_state.examined[found.id] = counter.examine(found, config.destination, session.token)
        return app_state.examined[found.id]

    async def examined(
        request: Request, lang: Lang
    ) -> Response | tuple[Session, store.Upload, counter.Examination]:
        """The steward's own upload and what it says, or the page saying why not."""
        mine = owned(request)
        if mine is None:
            return app_state.failed(request, tr(lang, WORDS["not_found"]), 404)
        session, found = mine
        try:
            seen = await run_in_threadpool(examination, found, session)
        except InfitahError as exc:
            return app_state.failed(request, exc.render(lang), 400)
        return session, found, seen

    async def report(request: Request) -> Response:
        lang = app_state.lang(request)
        answer = await examined(request, lang)
        if isinstance(answer, Response):
            return answer
        session, found, seen = answer
        if request.url.path.endswith(".json"):  # the CLI's `validate --json` shape
            return JSONResponse(seen.report.to_dict(lang), headers={"Cache-Control": "no-store"})
        return app_state.page(
            request,
            "report.html",
            session=session,
            upload=found,
            report=seen.report,
            groups=_groups(seen.report, lang),
            outcome=seen.outcome,
            approval=config.approval,
            shown=SHOWN_PER_KIND,
            started=(found.root / runs.RUN_FILE).exists(),
        )

    async def annotated_workbook(request: Request) -> Response:
        lang = app_state.lang(request)
        answer = await examined(request, lang)
        if isinstance(answer, Response):
            return answer
        _, found, seen = answer
        data = await run_in_threadpool(annotated, found.folder, seen.report, lang)
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="infitah-report.xlsx"'},
        )

    async def publish(request: Request) -> Response:
        lang = app_state.lang(request)
        mine = owned(request)
        session = mine[0] if mine else None
        form = await app_state.form(request, session)
        if mine is None or form is None:
            return app_state.failed(request, tr(lang, WORDS["forbidden"]), 403)
        session, found = mine
        seen = await run_in_threadpool(examination, found, session)
        if seen.outcome is None or form.get("confirm") != "yes":
            return RedirectResponse(f"/uploads/{found.id}", 303)
        steward = session.steward
        if app_state.ckan and session.token is not None and steward and not steward.any_member:
            # CKAN decides: asked again now, not trusted from the sign-in.
            try:
                now = await run_in_threadpool(
                    counter.ckan_steward, config.destination, session.token
                )
            except InfitahError:
                return app_state.failed(request, tr(lang, WORDS["forbidden"]), 403)
            if not now.may_publish(found.member):
                return app_state.failed(request, tr(lang, WORDS["not_found"]), 404)
        try:
            await run_in_threadpool(app_state.runs.start, found, session.token, lang)
        except InfitahError as exc:
            return app_state.failed(request, exc.render(lang), 503)
        except Exception:  # Prefect unreachable: nothing started, the steward may retry
            return app_state.failed(request, tr(lang, WORDS["state_failed"]), 503)
        return RedirectResponse(f"/uploads/{found.id}/run", 303)

    async def run_page(request: Request) -> Response:
        lang = app_state.lang(request)
        mine = owned(request)
        if mine is None:
            return app_state.failed(request, tr(lang, WORDS["not_found"]), 404)
        session, found = mine
        state = await run_in_threadpool(app_state.runs.state, found, lang)
        if request.url.path.endswith(".json"):
            return JSONResponse({"state": _shown_state(state), "prefect": state.state})
        return app_state.page(
            request,
            "run.html",
            session=session,
            upload=found,
            run=state,
            shown=_shown_state(state),
        )

    async def staff(request: Request) -> Response:
        lang = app_state.lang(request)
        session = signed_in(request)
        if session is None or session.steward is None or not session.steward.staff:
            return app_state.failed(request, tr(lang, WORDS["staff_only"]), 403)
        if request.method == "POST":
            form = await app_state.form(request, session)
            if form is None:
                return app_state.failed(request, tr(lang, WORDS["forbidden"]), 403)
            waiting = {str(r.id) for r in await run_in_threadpool(runs.paused)}
            run_id = str(form.get("run") or "")
            if run_id in waiting:
                approve = form.get("decision") == "approve"
                comment = str(form.get("comment") or "")
                await run_in_threadpool(runs.decide, run_id, approve, comment)
            return RedirectResponse("/staff", 303)
        waiting_runs = [
            {
                "id": str(r.id),
                "name": r.name,
                "upload": str(r.parameters.get("upload", "")),
                "member": _upload_member(config.uploads, str(r.parameters.get("upload", ""))),
                "destination": str(r.parameters.get("destination", "")),
            }
            for r in await run_in_threadpool(runs.paused)
        ]
        return app_state.page(request, "staff.html", session=session, waiting=waiting_runs)

    async def set_lang(request: Request) -> Response:
        code = request.path_params["lang"]
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = "/"
        response = RedirectResponse(target, 303)
        if code in LANGS:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax",
                                httponly=True, secure=config.secure_cookies)  # fmt: skip
        return response

    routes = [
        Route("/", home),
        Route("/signin", signin_page, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/member", choose_member, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/uploads/{upload}", report),
        Route("/uploads/{upload}/report.json", report),
        Route("/uploads/{upload}/annotated.xlsx", annotated_workbook),
        Route("/uploads/{upload}/publish", publish, methods=["POST"]),
        Route("/uploads/{upload}/run", run_page),
        Route("/uploads/{upload}/run.json", run_page),
        Route("/staff", staff, methods=["GET", "POST"]),
        Route("/lang/{lang}", set_lang),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if not app_state.ckan:
        catalog = Path(config.destination)
        catalog.mkdir(parents=True, exist_ok=True)
        routes.append(Mount("/catalog", StaticFiles(directory=catalog), name="catalog"))
    app = Starlette(routes=routes)
    app.state.counter = app_state
    return app


def _authenticate(state: Counter, name: str, secret: str) -> counter.Steward | None:
    config = state.config
    if not secret:
        return None
    if state.ckan and not name:
        try:
            return counter.ckan_steward(config.destination, secret)
        except (PortalNotFound, InfitahError):
            return None
    account = accounts.verify(config.home, name, secret) if name else None
    if account is None:
        return None
    return counter.Steward(
        account.name, (account.member,) if account.member else (), staff=account.staff
    )


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


async def _files(form: Any) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    total = 0
    for item in form.getlist("files"):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        data = await item.read(store.MAX_BYTES + 1)
        total += len(data)
        if total > store.MAX_BYTES:
            from ..errors import UsageError

            raise UsageError("upload too large", key="upload-too-large",
                             limit=str(store.MAX_BYTES // (1024 * 1024)))  # fmt: skip
        out.append((item.filename, data))
    return out


def _member_name(code: str | None, lang: Lang) -> str:
    from .. import members

    row = members.member(code) if code else None
    if row is None:
        return code or ""
    return f"{row['name_ar'] if lang == 'ar' else row['name_fr']} ({code})"


def _upload_member(root: Path, upload_id: str) -> str:
    found = store.load(root, upload_id)
    return found.member if found else ""


def _groups(report: Any, lang: Lang) -> list[dict[str, Any]]:
    """Findings by kind (errors, then warnings) and code, each located in the steward's
    words: file, sheet, line, column letter, field."""
    out = []
    for kind, findings in (("errors", report.errors), ("warnings", report.warnings)):
        by_code: dict[str, list[Finding]] = {}
        for f in findings:
            by_code.setdefault(f.code, []).append(f)
        out.append(
            {
                "kind": kind,
                "codes": [
                    {
                        "code": code,
                        "title": items[0].title(lang),
                        "hint": items[0].hint(lang),
                        "count": len(items),
                        "items": [_located(f, lang) for f in items[:SHOWN_PER_KIND]],
                    }
                    for code, items in by_code.items()
                ],
            }
        )
    return out


def _located(f: Finding, lang: Lang) -> dict[str, Any]:
    file, _, sheet = (f.file or "").partition("#")
    return {
        "file": file or (f.table or ""),
        "sheet": sheet,
        "line": "" if f.row is None else f.row,
        "column": f.column or "",
        "field": f.field_title(lang) if f.field else "",
        "message": f.message(lang),
    }


def _shown_state(state: runs.RunState) -> str:
    """One word for the page: the outcome when recorded, else Prefect's state."""
    if state.outcome is not None:
        status = str(state.outcome.get("status", ""))
        if status in ("published", "unchanged", "rejected", "invalid", "awaiting"):
            return status if status != "awaiting" or state.state == "PAUSED" else "running"
    if state.error is not None or state.state in ("FAILED", "CRASHED", "CANCELLED"):
        return "failed"
    if state.state == "PAUSED":
        return "awaiting"
    if state.state in ("RUNNING", "COMPLETED"):
        return "running"
    return "starting"


def _harden(response: Response) -> None:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"


def config_from_env(**given: Any) -> Config:
    """A Config from ``infitah serve``'s options, the environment filling the rest."""
    secret = os.environ.get("INFITAH_COUNTER_SECRET")
    values = {k: v for k, v in given.items() if v is not None}
    if secret:
        values.setdefault("secret", secret.encode())
    allow = os.environ.get("INFITAH_LINK_ALLOW", "")
    if allow:
        values.setdefault("links", LinkPolicy.from_text(allow))
    return Config(**values)
