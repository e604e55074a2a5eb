"""The Redaktion's area for one tenant: review queue, organisations,
hiding content, the tenant's bot texts, the audit log and statistics. An
editor of another tenant gets 403 on every route here."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.charts import grouped_bars
from bots.web.forms import FormState, form_state
from bots.web.i18n import WebTexts, in_form
from bots.web.invitations import invite_editor
from bots.web.pages import (
    Editor,
    redirect,
    render,
    require_admin,
    require_editor,
    telegram_username,
    texts,
    web,
)
from bots.web.security import checked_form
from bots.web.views import chat_links
from core.errors import DatePassed, DomainError, InvalidValue, NotAllowed, UnknownNeed
from core.services import editor_links, moderation
from core.services import editors as editor_service
from core.services.statistics import OTHER, REMOTE, Statistics, tenant_statistics


async def queue(request: Request) -> Response:
    editor = await require_editor(request)
    return await _render_queue(request, editor, notice=request.query_params.get("notice", ""))


async def _render_queue(
    request: Request,
    editor: Editor,
    *,
    notice: str = "",
    reason_for: int | None = None,
    reason: str = "",
) -> Response:
    """The review queue; with ``reason_for``, a rejection without a reason
    comes back with the error beside that need and the typed reason kept."""
    app = web(request).app
    t = texts(request, editor.tenant)
    items = await moderation.queue(app.db, editor.tenant_id, now=app.now())
    return await render(
        request,
        "editor/queue.html",
        {
            "items": [
                {
                    "id": i.id,
                    "title": i.title,
                    "description": i.description,
                    "category": app.taxonomy.label(i.category, t.lang),
                    "organisation": i.organisation,
                    "verified": i.organisation_verified,
                    "place": t("need.remote") if i.remote else (i.place_label or ""),
                    "when": t.when(i.starts_at) if i.starts_at else t("need.recurring"),
                    "posted": t.when(i.created_at),
                    "past": i.past,
                    "change": t(
                        "editor.change_fields",
                        fields=", ".join(t(f"editor.change_field.{f}") for f in i.changed),
                    )
                    if i.is_change
                    else "",
                    "previous": t(
                        "editor.change_previous",
                        title=i.previous_title or "",
                        when=t.when(i.previous_starts_at)
                        if i.previous_starts_at
                        else t("need.recurring"),
                        place=f", {i.previous_place_label}" if i.previous_place_label else "",
                    )
                    if i.is_change
                    else "",
                }
                for i in items
            ],
            "notice": notice,
            "errors": {"reason": "reason_required"} if reason_for is not None else {},
            "reason_for": reason_for,
            "reason": reason,
        },
        tenant=editor.tenant,
        status=400 if reason_for is not None else 200,
        title_key="editor.queue_title",
    )


async def review(request: Request) -> Response:
    editor = await require_editor(request)
    form = await checked_form(request)
    app = web(request).app
    need_id = int(request.path_params["need_id"])
    if request.path_params["action"] not in ("approve", "reject"):
        raise HTTPException(status_code=404)
    approve = request.path_params["action"] == "approve"
    reason = str(form.get("reason") or "")
    try:
        await moderation.review(
            app.db,
            editor.tenant_id,
            need_id,
            approve=approve,
            reason=reason,
            actor=editor.actor,
            now=app.now(),
        )
    except (NotAllowed, UnknownNeed) as exc:
        raise HTTPException(status_code=403) from exc
    except DatePassed:
        return redirect(f"/t/{editor.tenant.slug}/editor/?notice=date_passed")
    except InvalidValue as exc:
        if exc.params.get("field") == "reason":
            return await _render_queue(request, editor, reason_for=need_id, reason=reason)
        return redirect(f"/t/{editor.tenant.slug}/editor/?notice=not_possible")
    return redirect(
        f"/t/{editor.tenant.slug}/editor/?notice={'approved' if approve else 'rejected'}"
    )


async def organisations(request: Request) -> Response:
    editor = await require_editor(request)
    app = web(request).app
    t = texts(request, editor.tenant)
    if request.method == "POST":
        form = await checked_form(request)
        action = str(form.get("action") or "")
        if not action and form.get("verified") in ("0", "1"):
            action = "verify" if form.get("verified") == "1" else "unverify"
        try:
            org_id = int(str(form.get("id")))
            if action in ("verify", "unverify"):
                await moderation.set_verified(
                    app.db,
                    editor.tenant_id,
                    org_id,
                    action == "verify",
                    actor=editor.actor,
                    now=app.now(),
                )
            elif action in ("suspend", "reactivate"):
                await moderation.set_suspended(
                    app.db,
                    editor.tenant_id,
                    org_id,
                    action == "suspend",
                    actor=editor.actor,
                    now=app.now(),
                )
            else:
                raise HTTPException(status_code=400)
        except (NotAllowed, ValueError) as exc:
            raise HTTPException(status_code=403) from exc
        return redirect(f"/t/{editor.tenant.slug}/editor/organisations")
    rows = await moderation.organisations(app.db, editor.tenant_id)
    return await render(
        request,
        "editor/organisations.html",
        {
            "organisations": [
                {
                    "id": o.id,
                    "name": o.name,
                    "kind": t(f"kind.{o.kind}"),
                    "contact": o.contact_name or "",
                    "email": o.email or "",
                    "verified": o.verified,
                    "suspended": o.suspended,
                    "since": t.day(o.created_at),
                }
                for o in rows
            ]
        },
        tenant=editor.tenant,
        title_key="editor.organisations_title",
    )


async def content(request: Request) -> Response:
    editor = await require_editor(request)
    app = web(request).app
    t = texts(request, editor.tenant)
    if request.method == "POST":
        form = await checked_form(request)
        try:
            await moderation.set_hidden(
                app.db,
                editor.tenant_id,
                str(form.get("kind")),
                int(str(form.get("id"))),
                form.get("hidden") == "1",
                actor=editor.actor,
                now=app.now(),
                reason=str(form.get("reason") or ""),
            )
        except (NotAllowed, ValueError) as exc:
            raise HTTPException(status_code=403) from exc
        except DomainError:
            pass
        return redirect(f"/t/{editor.tenant.slug}/editor/content")
    rows = await moderation.content(app.db, editor.tenant_id)
    return await render(
        request,
        "editor/content.html",
        {
            "rows": [
                {
                    "kind": r.kind,
                    "kind_label": t(f"content.kind_{r.kind}"),
                    "id": r.id,
                    "title": r.title,
                    "organisation": r.organisation,
                    "hidden": r.hidden,
                    "status": t(f"status.{r.status}")
                    if r.kind == "need"
                    else t(f"content.{r.status}"),
                    "url": f"/t/{editor.tenant.slug}/needs/{r.id}" if r.kind == "need" else "",
                }
                for r in rows
            ]
        },
        tenant=editor.tenant,
        title_key="editor.content_title",
    )


def _bot_texts(lang: str) -> dict[str, Any]:
    from dialogue.texts import catalogue

    try:
        return catalogue(lang)
    except FileNotFoundError:
        return {}


async def bot_texts(request: Request) -> Response:
    """Search the bot's texts and set the tenant's own wording of one."""
    editor = await require_editor(request)
    app = web(request).app
    t = texts(request, editor.tenant)
    lang = request.query_params.get("in", editor.tenant.default_language)
    if lang not in editor.tenant.languages:
        lang = editor.tenant.default_language
    errors: dict[str, str] = {}
    kept: dict[str, str] = {}
    defaults = _bot_texts(lang)
    status = 200
    if request.method == "POST":
        form = await checked_form(request)
        key, value = str(form.get("key") or ""), str(form.get("value") or "")
        if key not in defaults:
            raise HTTPException(status_code=404)
        from dialogue.texts import placeholders, plain_placeholders

        default = in_form(defaults[key], editor.tenant.address_form)
        if value.strip() and (
            not plain_placeholders(value) or placeholders(value) != placeholders(default)
        ):
            errors[key] = "placeholders"
            kept[key] = value
            status = 400
        else:
            await moderation.set_text(
                app.db, editor.tenant_id, lang, key, value, actor=editor.actor, now=app.now()
            )
            return redirect(
                f"/t/{editor.tenant.slug}/editor/texts?in={lang}&q="
                f"{request.query_params.get('q', '')}&saved={key}"
            )
    query = request.query_params.get("q", "").strip().lower()
    overrides = await moderation.text_overrides(app.db, editor.tenant_id, lang)
    rows = []
    for key, value in sorted(defaults.items()):
        default = in_form(value, editor.tenant.address_form)
        if query and query not in key.lower() and query not in default.lower():
            continue
        if not query and key not in overrides and key not in kept:
            continue
        from dialogue.texts import placeholders

        rows.append(
            {
                "key": key,
                "default": default,
                "value": kept.get(key, overrides.get(key, "")),
                "overridden": key in overrides,
                "error": errors.get(key, ""),
                "placeholders": ", ".join("{" + p + "}" for p in sorted(placeholders(default))),
            }
        )
        if len(rows) >= 50:
            break
    return await render(
        request,
        "editor/texts.html",
        {
            "rows": rows,
            "q": request.query_params.get("q", ""),
            "in": lang,
            "languages": [(code, t(f"language.{code}")) for code in editor.tenant.languages],
            "saved": request.query_params.get("saved", ""),
            "has_texts": bool(defaults),
        },
        tenant=editor.tenant,
        status=status,
        title_key="editor.texts_title",
    )


async def audit(request: Request) -> Response:
    editor = await require_editor(request)
    app = web(request).app
    t = texts(request, editor.tenant)
    rows = await moderation.audit_log(app.db, editor.tenant_id)
    return await render(
        request,
        "editor/audit.html",
        {
            "rows": [
                {
                    "when": t.when(r.at),
                    "actor": r.actor,
                    "action": t(f"audit.{r.action}") if t.has(f"audit.{r.action}") else r.action,
                    "subject": r.subject,
                    "reason": str(r.data.get("reason") or ""),
                }
                for r in rows
            ]
        },
        tenant=editor.tenant,
        title_key="editor.audit_title",
    )


async def _statistics(request: Request, editor: Editor) -> Statistics:
    app = web(request).app
    weeks = request.query_params.get("weeks", "12")
    return await tenant_statistics(
        app.db,
        editor.tenant_id,
        now=app.now(),
        tz=ZoneInfo(editor.tenant.timezone),
        districts=editor.tenant.districts,
        weeks=int(weeks) if weeks in ("4", "12", "26", "52") else 12,
    )


def _group_label(t: WebTexts, request: Request, key: str, kind: str) -> str:
    if key == REMOTE:
        return t("need.remote")
    if key == OTHER:
        return t("stats.other")
    return web(request).app.taxonomy.label(key, t.lang) if kind == "category" else key


async def statistics(request: Request) -> Response:
    editor = await require_editor(request)
    t = texts(request, editor.tenant)
    s = await _statistics(request, editor)
    legend = (t("stats.posted"), t("stats.filled"), t("stats.signups"))
    weekly = grouped_bars(
        t("stats.per_week"),
        [(t.day(w.week_start), (w.posted, w.filled, w.signups)) for w in s.weeks],
        legend,
    )
    by_category = grouped_bars(
        t("stats.by_category"),
        [
            (_group_label(t, request, g.key, "category"), (g.posted, g.filled, g.signups))
            for g in s.by_category[:10]
        ],
        legend,
    )
    by_district = grouped_bars(
        t("stats.by_district"),
        [
            (_group_label(t, request, g.key, "district"), (g.posted, g.filled, g.signups))
            for g in s.by_district[:10]
        ],
        legend,
    )
    return await render(
        request,
        "editor/stats.html",
        {
            "figures": [
                (t("stats.posted"), t.number(s.posted)),
                (t("stats.filled"), t.number(s.filled)),
                (t("stats.signups"), t.number(s.signups)),
                (t("stats.active_volunteers"), t.number(s.active_volunteers)),
                (t("feedback_page.figure"), t.number(s.feedback)),
                (t("stats.fill_rate"), t.percent(s.fill_rate)),
                (
                    t("stats.median_to_fill"),
                    t("stats.hours", hours=t.number(s.median_hours_to_fill))
                    if s.median_hours_to_fill is not None
                    else "–",
                ),
            ],
            "charts": [weekly, by_category, by_district],
            "tables": [
                (
                    t("stats.by_category"),
                    [
                        (
                            _group_label(t, request, g.key, "category"),
                            g.posted,
                            g.filled,
                            g.signups,
                            t.percent(g.fill_rate),
                        )
                        for g in s.by_category
                    ],
                ),
                (
                    t("stats.by_district"),
                    [
                        (
                            _group_label(t, request, g.key, "district"),
                            g.posted,
                            g.filled,
                            g.signups,
                            t.percent(g.fill_rate),
                        )
                        for g in s.by_district
                    ],
                ),
            ],
            "weeks": request.query_params.get("weeks", "12"),
        },
        tenant=editor.tenant,
        title_key="editor.stats_title",
    )


async def statistics_csv(request: Request) -> Response:
    editor = await require_editor(request)
    s = await _statistics(request, editor)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "posted", "filled", "signups", "fill_rate", "feedback"])
    for w in s.weeks:
        writer.writerow(
            [
                "week",
                w.week_start.isoformat(),
                w.posted,
                w.filled,
                w.signups,
                f"{w.filled / w.posted:.3f}" if w.posted else "",
                w.feedback,
            ]
        )
    # Every row has the header's seven columns; feedback is about the bot, not
    # a category or district, so those rows leave it empty.
    for section, groups in (("category", s.by_category), ("district", s.by_district)):
        for g in groups:
            writer.writerow(
                [section, g.key, g.posted, g.filled, g.signups, f"{g.fill_rate:.3f}", ""]
            )
    writer.writerow(["total", "", s.posted, s.filled, s.signups, f"{s.fill_rate:.3f}", s.feedback])
    writer.writerow(["active_volunteers", "", s.active_volunteers, "", "", "", ""])
    writer.writerow(
        [
            "median_hours_to_fill",
            "",
            f"{s.median_hours_to_fill:.1f}" if s.median_hours_to_fill is not None else "",
            "",
            "",
            "",
            "",
        ]
    )
    filename = f"statistik-{editor.tenant.slug}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


# -- the Redaktion itself (admins) ------------------------------------------------

TEAM_NOTICES = ("invited", "role_changed", "removed")


async def team(request: Request) -> Response:
    """Admins list, invite, re-role and remove the tenant's editors; the
    tenant always keeps one admin (so nobody removes the last one, themselves
    included)."""
    admin = await require_admin(request)
    app = web(request).app
    t = texts(request, admin.tenant)
    form = FormState(values={"role": "editor"})
    status = 200
    if request.method == "POST":
        posted = await checked_form(request)
        form = form_state(posted, ("email", "role"))
        try:
            await invite_editor(
                app.db,
                tokens=web(request).tokens,
                tenant=admin.tenant,
                tenant_id=admin.tenant_id,
                email=form.get("email"),
                role=form.get("role"),
                actor=admin.actor,
                now=app.now(),
                lang=t.lang,
            )
        except InvalidValue as exc:
            form.errors[str(exc.params.get("field") or "email")] = (
                "email" if exc.params.get("field") == "email" else "role"
            )
            status = 400
        else:
            web(request).mail_enqueued()
            return redirect(f"/t/{admin.tenant.slug}/editor/team?notice=invited")
    return await _render_team(request, admin, form=form, status=status)


async def _render_team(
    request: Request,
    admin: Editor,
    *,
    form: FormState | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    app = web(request).app
    t = texts(request, admin.tenant)
    notice = request.query_params.get("notice", "")
    rows = await editor_service.editors(app.db, admin.tenant_id)
    return await render(
        request,
        "editor/team.html",
        {
            "editors": [
                {
                    "id": e.account_id,
                    "email": e.email,
                    "role": e.role,
                    "active": e.active,
                    "is_you": e.account_id == admin.account.id,
                }
                for e in rows
            ],
            "roles": [(r, t(f"team.role_{r}")) for r in ("editor", "admin")],
            "form": form or FormState(values={"role": "editor"}),
            "notice": t(f"team.{notice}") if notice in TEAM_NOTICES else "",
            "error": error,
        },
        tenant=admin.tenant,
        status=status,
        title_key="team.title",
    )


async def team_member(request: Request) -> Response:
    admin = await require_admin(request)
    form = await checked_form(request)
    app = web(request).app
    t = texts(request, admin.tenant)
    account_id = int(request.path_params["account_id"])
    action = request.path_params["action"]
    try:
        if action == "role":
            await editor_service.set_role(
                app.db,
                tenant_id=admin.tenant_id,
                account_id=account_id,
                role=str(form.get("role") or ""),
                actor=admin.actor,
                now=app.now(),
            )
        elif action == "remove":
            await editor_service.remove(
                app.db,
                tenant_id=admin.tenant_id,
                account_id=account_id,
                actor=admin.actor,
                now=app.now(),
            )
        else:
            raise HTTPException(status_code=404)
    except editor_service.NotAnEditor as exc:
        raise HTTPException(status_code=404) from exc
    except editor_service.LastAdmin:
        return await _render_team(request, admin, error=t("error.last_admin"), status=400)
    except InvalidValue:
        return await _render_team(request, admin, error=t("error.role"), status=400)
    if account_id == admin.account.id:
        # Who removed their own admin role has no business on this page any more.
        return redirect(f"/t/{admin.tenant.slug}/editor/")
    notice = "role_changed" if action == "role" else "removed"
    return redirect(f"/t/{admin.tenant.slug}/editor/team?notice={notice}")


def embed_snippet(public_url: str, slug: str, title: str) -> str:
    """The HTML a municipality pastes into its own site."""
    from markupsafe import escape as html_escape

    return (
        f'<iframe src="{public_url}/embed/t/{slug}/chat" title="{html_escape(title)}" '
        'width="100%" height="640" style="border:0;max-width:40rem" loading="lazy"></iframe>'
    )


async def embed(request: Request) -> Response:
    editor = await require_editor(request)
    t = texts(request, editor.tenant)
    config = web(request).config
    return await render(
        request,
        "editor/embed.html",
        {
            "snippet": embed_snippet(
                config.public_url,
                editor.tenant.slug,
                f"{t('embed.frame_title')} – {editor.tenant.branding.bot_name}",
            ),
            "origins": config.frame_ancestors,
            "chat_url": f"/embed/t/{editor.tenant.slug}/chat",
        },
        tenant=editor.tenant,
        title_key="embed.title",
    )


async def chat(request: Request) -> Response:
    """Link the editor's chat, so the Redaktion's notices reach it there too."""
    editor = await require_editor(request)
    app = web(request).app
    code = None
    if request.method == "POST":
        await checked_form(request)
        code = await editor_links.new_code(app.db, editor.account.id, editor.tenant_id, app.now())
    start_arg = f"{editor_links.PREFIX}{code}" if code else ""
    return await render(
        request,
        "editor/chat.html",
        {
            "linked": await editor_links.linked(app.db, editor.account.id),
            "start_arg": start_arg,
            "links": chat_links(
                editor.tenant, start_arg, telegram_username(request, editor.tenant.slug)
            )
            if code
            else None,
        },
        tenant=editor.tenant,
        title_key="editor.chat_title",
    )


routes = [
    Route("/t/{tenant}/editor/", queue, methods=["GET"]),
    Route("/t/{tenant}/editor/needs/{need_id:int}/{action:str}", review, methods=["POST"]),
    Route("/t/{tenant}/editor/organisations", organisations, methods=["GET", "POST"]),
    Route("/t/{tenant}/editor/content", content, methods=["GET", "POST"]),
    Route("/t/{tenant}/editor/texts", bot_texts, methods=["GET", "POST"]),
    Route("/t/{tenant}/editor/audit", audit, methods=["GET"]),
    Route("/t/{tenant}/editor/chat", chat, methods=["GET", "POST"]),
    Route("/t/{tenant}/editor/statistics", statistics, methods=["GET"]),
    Route("/t/{tenant}/editor/statistics.csv", statistics_csv, methods=["GET"]),
    Route("/t/{tenant}/editor/team", team, methods=["GET", "POST"]),
    Route("/t/{tenant}/editor/team/{account_id:int}/{action:str}", team_member, methods=["POST"]),
    Route("/t/{tenant}/editor/embed", embed, methods=["GET"]),
]
