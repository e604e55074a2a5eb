"""Needs in and out on the web (issue 14.8).

* ``/t/<slug>/editor/exchange``: the Redaktion exports the tenant's needs
  (CSV, JSON) and imports needs from CSV: a dry run lists every row's
  errors by line and writes nothing; the import writes only the valid rows
  and lists the others. Editors of this tenant only.
* ``/t/<slug>/org/needs.csv|json``: an organisation exports its own needs.
* ``/t/<slug>/needs.json``: the public feed of published needs for the
  municipality's own website (CORS open, cached briefly; docs/web.md).
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.pages import (
    Editor,
    render,
    require_editor,
    require_member,
    tenant_id,
    tenant_of,
    texts,
    web,
)
from bots.web.security import checked_form
from core.services.needs_exchange import (
    FIELDS,
    MAX_BYTES,
    MAX_ROWS,
    ImportReport,
    RowError,
    export_needs,
    import_needs_csv,
    published_feed,
    to_csv,
    to_json,
)

FEED_MAX_AGE = 300  # seconds a browser or proxy may keep needs.json


def _download(body: str, filename: str, media_type: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


def _kind(request: Request) -> str:
    return request.url.path.rsplit(".", 1)[-1]


def _export(records: list[dict[str, Any]], stem: str, kind: str) -> Response:
    if kind not in ("csv", "json"):
        raise HTTPException(status_code=404)
    if kind == "json":
        return _download(to_json(records), f"{stem}.json", "application/json")
    return _download(to_csv(records), f"{stem}.csv", "text/csv; charset=utf-8")


async def editor_export(request: Request) -> Response:
    editor = await require_editor(request)
    records = await export_needs(
        web(request).app.db, editor.tenant_id, ZoneInfo(editor.tenant.timezone)
    )
    return _export(records, f"gesuche-{editor.tenant.slug}", _kind(request))


async def org_export(request: Request) -> Response:
    """Only the member's own organisation's needs (the route names none)."""
    member = await require_member(request)
    records = await export_needs(
        web(request).app.db,
        tenant_id(request, member.tenant),
        ZoneInfo(member.tenant.timezone),
        organisation_id=member.organisation_id,
    )
    return _export(
        records, f"gesuche-{member.tenant.slug}-{member.organisation_id}", _kind(request)
    )


def _summary(t: Any, report: ImportReport) -> str:
    """The report's one line, with singular and plural right ("1 Zeile")."""
    counts = {
        "valid": t.plural("exchange.rows", report.valid),
        "invalid": t.plural("exchange.rows", report.invalid),
        "skipped": t.plural("exchange.rows", report.skipped),
        "written": t.plural("exchange.needs", report.written),
        "pending": str(sum(1 for r in report.rows if r.status == "pending_review")),
    }
    key = "exchange.dry_run_summary" if report.dry_run else "exchange.import_summary"
    text = t(key, **counts)
    if report.skipped:
        text += " " + t("exchange.skipped_summary", skipped=counts["skipped"])
    return text


def _skipped_line(t: Any, skipped: str | None, duplicate_of: int | None) -> str:
    if skipped == "duplicate" and duplicate_of is not None:
        return t("exchange.skipped_duplicate_of", id=duplicate_of)
    return t(f"exchange.skipped_{skipped}") if skipped else ""


def _error_line(t: Any, error: RowError) -> str:
    message = t(f"exchange.error.{error.code}", value=error.value, limit=error.value)
    return f"{error.field}: {message}" if error.field else message


async def _page(
    request: Request,
    editor: Editor,
    *,
    report: ImportReport | None = None,
    text: str = "",
    status: int = 200,
) -> Response:
    t = texts(request, editor.tenant)
    values: dict[str, Any] = {
        "fields": FIELDS,
        "max_kb": MAX_BYTES // 1000,
        "max_rows": MAX_ROWS,
        "report": None,
    }
    if report is not None:
        values["report"] = {
            "dry_run": report.dry_run,
            "file_errors": [_error_line(t, e) for e in report.file_errors],
            "ignored": ", ".join(report.ignored_columns),
            "valid": report.valid,
            "invalid": report.invalid,
            "written": report.written,
            "pending": sum(1 for r in report.rows if r.status == "pending_review"),
            "summary": _summary(t, report),
            "import_label": t.plural("exchange.import_valid", report.valid),
            "rows": [
                {
                    "line": r.line,
                    "title": r.title,
                    "organisation": r.organisation,
                    "ok": r.ok,
                    "need_id": r.need_id,
                    "status": t(f"status.{r.status}") if r.status else "",
                    "errors": [_error_line(t, e) for e in r.errors],
                    "skipped": _skipped_line(t, r.skipped, r.duplicate_of),
                }
                for r in report.rows
            ],
        }
        # The file goes back with the dry run's answer, so the import needs
        # no second upload; the import checks it all again.
        values["text"] = text if report.dry_run and report.valid else ""
    return await render(
        request, "editor/exchange.html", values, tenant=editor.tenant, status=status,
        title_key="exchange.title",
    )  # fmt: skip


async def exchange(request: Request) -> Response:
    editor = await require_editor(request)
    if request.method == "GET":
        return await _page(request, editor)
    form = await checked_form(request)
    app = web(request).app
    upload = form.get("file")
    raw = b""
    if isinstance(upload, UploadFile):
        raw = await upload.read(MAX_BYTES + 1)
    if not raw:
        raw = str(form.get("csv_text") or "").encode("utf-8")
    if not raw.strip():
        report = ImportReport(True, file_errors=(RowError("", "no_file"),))
        return await _page(request, editor, report=report, status=400)
    dry_run = form.get("action") != "import"
    report = await import_needs_csv(
        app.db,
        editor.tenant_id,
        editor.tenant.slug,
        raw,
        taxonomy=app.taxonomy,
        places=app.places,
        now=app.now(),
        tz=ZoneInfo(editor.tenant.timezone),
        actor=editor.actor,
        dry_run=dry_run,
    )
    text = ""
    if not report.file_errors:
        text = raw.decode("utf-8-sig", errors="replace") if _is_utf8(raw) else raw.decode("cp1252")
    return await _page(
        request, editor, report=report, text=text, status=400 if report.file_errors else 200
    )


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def needs_feed(request: Request) -> Response:
    """The public feed: anyone, any site's script may read it (no cookies,
    no personal data); cached for ``FEED_MAX_AGE``."""
    tenant = tenant_of(request)
    app = web(request).app
    records = await published_feed(
        app.db,
        tenant_id(request, tenant),
        now=app.now(),
        tz=ZoneInfo(tenant.timezone),
        base_url=web(request).config.public_url,
        tenant_slug=tenant.slug,
        taxonomy=app.taxonomy,
        language=tenant.languages[0] if tenant.languages else "de",
    )
    body = {"tenant": tenant.slug, "name": tenant.name, "needs": records}
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        media_type="application/json",
        headers={
            "access-control-allow-origin": "*",
            "cache-control": f"public, max-age={FEED_MAX_AGE}",
            "vary": "Origin",
        },
    )


routes = [
    Route("/t/{tenant}/needs.json", needs_feed, methods=["GET"]),
    Route("/t/{tenant}/editor/exchange", exchange, methods=["GET", "POST"]),
    Route("/t/{tenant}/editor/needs.csv", editor_export, methods=["GET"]),
    Route("/t/{tenant}/editor/needs.json", editor_export, methods=["GET"]),
    Route("/t/{tenant}/org/needs.csv", org_export, methods=["GET"]),
    Route("/t/{tenant}/org/needs.json", org_export, methods=["GET"]),
]
