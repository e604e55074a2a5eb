"""Hours and the Ehrenamtsnachweis on the web (issue 14.5).

* ``/t/<slug>/org/hours``: the organisation's members see the hours
  volunteers logged for its needs and confirm or reject each date (403 for
  another organisation's entry, as everywhere in the org area).
* ``/t/<slug>/nachweis`` and ``/t/<slug>/nachweis/<code>``: anyone checks a
  certificate's code and sees what that certificate states: no more
  personal data than the paper itself.
"""

from __future__ import annotations

from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.i18n import WebTexts
from bots.web.pages import redirect, render, require_member, tenant_id, tenant_of, texts, web
from bots.web.security import checked_form
from core.errors import NotAllowed
from core.services.certificate import certificate_by_code, normalise_code
from core.services.hours import decide_hours, hours_for_organisation


def _day(t: WebTexts, day: date) -> str:
    return t.day(day)


async def org_hours(request: Request) -> Response:
    member = await require_member(request)
    app = web(request).app
    t = texts(request, member.tenant)
    lines = await hours_for_organisation(app.db, member.organisation_id)
    return await render(
        request,
        "hours/org_hours.html",
        {
            "lines": [
                {
                    "id": line.id,
                    "volunteer": line.volunteer or t("hours_page.someone"),
                    "title": line.title,
                    "day": _day(t, line.day),
                    "hours": t.number(line.hours, "#,##0.##"),
                    "status": line.status.value,
                    "open": line.status.value == "logged",
                }
                for line in lines
            ],
        },
        tenant=member.tenant,
        title_key="hours_page.title",
    )


async def org_hours_decide(request: Request) -> Response:
    member = await require_member(request)
    await checked_form(request)
    action = request.path_params["action"]
    if action not in ("confirm", "reject"):
        raise HTTPException(status_code=404)
    app = web(request).app
    try:
        await decide_hours(
            app.db,
            entry_id=int(request.path_params["entry_id"]),
            organisation_ids={member.organisation_id},
            confirm=action == "confirm",
            actor=member.actor,
            now=app.now(),
        )
    except NotAllowed as exc:
        raise HTTPException(status_code=403) from exc
    return redirect(f"/t/{member.tenant.slug}/org/hours")


async def check(request: Request) -> Response:
    """The code form, and what a certificate states (404 for an unknown code)."""
    tenant = tenant_of(request)
    t = texts(request, tenant)
    raw = request.path_params.get("code") or request.query_params.get("code", "")
    if raw and "code" not in request.path_params:
        code = normalise_code(raw)
        if code:
            return redirect(f"/t/{tenant.slug}/nachweis/{code}")
    content = None
    if raw:
        content = await certificate_by_code(
            web(request).app.db, tenant_id(request, tenant), raw[:40]
        )
    values = {
        "code": raw[:40],
        "asked": bool(raw),
        "certificate": None,
    }
    if content is not None:

        def fmt(value: float) -> str:
            return t.number(value, "#,##0.##")

        values["certificate"] = {
            "code": content.code,
            "holder": content.holder,
            "tenant": content.tenant,
            "issued": _day(t, content.issued),
            "total": fmt(content.total),
            "lines": [
                {
                    "organisation": x.organisation,
                    "activity": x.activity,
                    "period": _day(t, x.first_day)
                    + ("" if x.last_day == x.first_day else " – " + _day(t, x.last_day)),
                    "hours": fmt(x.hours),
                }
                for x in content.lines
            ],
        }
    return await render(
        request,
        "hours/check.html",
        values,
        tenant=tenant,
        status=404 if raw and content is None else 200,
        title_key="certificate_check.title",
    )


routes = [
    Route("/t/{tenant}/org/hours", org_hours, methods=["GET"]),
    Route("/t/{tenant}/org/hours/{entry_id:int}/{action:str}", org_hours_decide, methods=["POST"]),
    Route("/t/{tenant}/nachweis", check, methods=["GET"]),
    Route("/t/{tenant}/nachweis/{code:str}", check, methods=["GET"]),
]
