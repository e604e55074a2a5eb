"""Public pages: the tenant picker, the list of needs with the bot's
filters, a need's page with sign-up links and a QR code, offers, and ICS
calendar feeds (tenant, category, organisation)."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bots.web.feeds import feed_ics
from bots.web.forms import FormState
from bots.web.pages import render, telegram_username, tenant_id, tenant_of, texts, web
from bots.web.views import (
    category_choices,
    chat_links,
    need_card,
    offer_line,
    qualification_choices,
)
from core.calendar import event_ics
from core.errors import DomainError, UnknownNeed, UnknownPlace
from core.matching import VolunteerView
from core.search import SearchFilter
from core.services.listing import is_public, public_need_ids
from core.services.matches import matches_for_view
from core.services.needs import NeedDetail, NeedStatus, need_detail, need_details
from core.services.organisations import organisation, public_offers
from core.services.timeline import ics_facts, recently_cancelled_ids

PAGE_SIZE = 10
# Ranking reads offset + page size needs: deeper pages are not offered.
MAX_OFFSET = 20 * PAGE_SIZE
RADII = ("2", "5", "10", "25", "50")


async def home(request: Request) -> Response:
    tenants = web(request).app.tenants
    if len(tenants) == 1:
        return RedirectResponse(f"/t/{next(iter(tenants))}/", 303)
    lang = texts(request, None).lang
    return await render(
        request,
        "tenants.html",
        {
            "tenants": [
                (t.slug, t.name, t.branding.short_description_in(lang)) for t in tenants.values()
            ]
        },
        title_key="tenants.title",
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def needs_list(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    t = texts(request, tenant)
    q = request.query_params
    state = FormState(
        values={
            k: q.get(k, "").strip()
            for k in ("category", "qualification", "from", "to", "place", "radius", "text")
        }
    )
    errors = state.errors
    categories = (state.get("category"),) if app.taxonomy.is_category(state.get("category")) else ()
    if state.get("category") and not categories:
        errors["category"] = "choose"
    quals = (
        (state.get("qualification"),)
        if app.taxonomy.is_qualification(state.get("qualification"))
        else ()
    )
    date_from, date_to = _date(state.get("from")), _date(state.get("to"))
    if state.get("from") and date_from is None:
        errors["from"] = "date"
    if state.get("to") and date_to is None:
        errors["to"] = "date"
    if date_from and date_to and date_to < date_from:
        errors["to"] = "date_order"
    center, radius = tenant.region_center, tenant.region_radius_km
    place_label = ""
    if state.get("place"):
        try:
            lat, lon, place_label = app.places.resolve(state.get("place"), tenant.slug)
            center = (lat, lon)
            radius = float(state.get("radius") or 10)
        except UnknownPlace as exc:
            errors["place"] = "unknown_place"
            state.values["_suggestions"] = ", ".join(exc.suggestions[:5])
        except ValueError:
            errors["radius"] = "number"
    try:
        offset = min(max(0, int(q.get("offset", "0")[:12])), MAX_OFFSET)
    except ValueError:
        offset = 0
    cards = []
    has_more = False
    if not errors:
        flt = SearchFilter(
            categories=categories,
            date_from=date_from,
            date_to=date_to,
            center=center,
            radius_km=radius,
            qualifications=quals,
            text=state.get("text")[:100],
        )
        try:
            flt.validate(app.taxonomy)
            viewer = VolunteerView(
                person_id=0,
                tenant_id=tenant_id(request, tenant),
                interests=frozenset(),
                qualifications=frozenset(quals),
                lat=center[0],
                lon=center[1],
                radius_km=radius,
                availability_mask=0,
            )
            page = await matches_for_view(
                app.db,
                viewer,
                app.now(),
                flt=flt,
                tz=ZoneInfo(tenant.timezone),
                offset=offset,
                limit=PAGE_SIZE,
            )
            has_more = page.has_more
            for card in page.cards:
                distance = card.match.distance_km
                reason = (
                    t("list.distance", km=t.number(distance, "0.0")) if distance is not None else ""
                )
                cards.append(
                    need_card(
                        t,
                        app.taxonomy,
                        card.need,
                        f"/t/{card.need.tenant_slug}/needs/{card.need.id}",
                        reason,
                        now=app.now(),
                    )
                )
        except DomainError:
            errors["form"] = "invalid"
    base_query = "&".join(f"{k}={v}" for k, v in q.items() if k != "offset" and v)
    return await render(
        request,
        "list.html",
        {
            "form": state,
            "cards": cards,
            "place_label": place_label,
            "categories": category_choices(t, app.taxonomy),
            "qualifications": qualification_choices(t, app.taxonomy),
            "radii": RADII,
            "next_url": f"?{base_query}&offset={offset + PAGE_SIZE}" if has_more else "",
            "prev_url": f"?{base_query}&offset={max(0, offset - PAGE_SIZE)}" if offset else "",
            "description": tenant.branding.description_in(t.lang),
        },
        tenant=tenant,
        status=400 if errors else 200,
        title_key="list.title",
    )


async def _public_need(request: Request) -> NeedDetail:
    tenant = tenant_of(request)
    try:
        need = await need_detail(web(request).app.db, int(request.path_params["need_id"]))
    except UnknownNeed as exc:
        raise HTTPException(status_code=404) from exc
    if need.tenant_slug != tenant.slug or need.status not in (
        NeedStatus.PUBLISHED,
        NeedStatus.FILLED,
    ):
        raise HTTPException(status_code=404)
    # A shared link to a need whose date passed still shows it, as "Termin
    # vorbei" without sign-up (``need_page``); hidden or unpublished ones don't.
    if not await is_public(web(request).app.db, need.id, web(request).app.now(), over_too=True):
        raise HTTPException(status_code=404)
    return need


async def need_page(request: Request) -> Response:
    tenant = tenant_of(request)
    need = await _public_need(request)
    app = web(request).app
    t = texts(request, tenant)
    return await render(
        request,
        "need.html",
        {
            "need": need_card(t, app.taxonomy, need, request.url.path, now=app.now()),
            "links": chat_links(tenant, f"need_{need.id}", telegram_username(request, tenant.slug)),
            "qr_url": f"/t/{tenant.slug}/needs/{need.id}/qr.svg",
            "ics_url": f"/t/{tenant.slug}/needs/{need.id}.ics",
            "organisation_feed": f"/t/{tenant.slug}/calendar/organisation/{need.organisation_id}.ics",
            "open": need.status == NeedStatus.PUBLISHED and not need.date_passed(app.now()),
            # Why no sign-up: over, all places taken, or closed early with places left.
            "closed_key": "need.date_passed_signup"
            if need.date_passed(app.now())
            else ("need.full" if need.places_left == 0 else "need.closed"),
        },
        tenant=tenant,
        title_key="need.title",
    )


async def need_qr(request: Request) -> Response:
    tenant = tenant_of(request)
    need = await _public_need(request)
    url = f"{web(request).config.public_url}/t/{tenant.slug}/needs/{need.id}"
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=3600"},
    )


async def need_ics(request: Request) -> Response:
    tenant = tenant_of(request)
    need = await _public_need(request)
    base = web(request).config.public_url
    if need.weekly is not None:
        body = feed_ics(
            [need],
            name=need.title,
            tz_name=tenant.timezone,
            stamp=web(request).app.now(),
            base_url=base,
            facts=await ics_facts(web(request).app.db, [need.id]),  # UNTIL, SEQUENCE (14.6)
        )
    else:
        assert need.starts_at is not None
        body = event_ics(
            need_id=need.id,
            tenant_slug=tenant.slug,
            title=need.title,
            starts_at=need.starts_at,
            ends_at=need.ends_at,
            stamp=web(request).app.now(),
            description=need.description,
            location="" if need.remote else (need.place_label or ""),
            geo=(need.lat, need.lon) if need.lat is not None and need.lon is not None else None,
            url=f"{base}/t/{tenant.slug}/needs/{need.id}",
            facts=(await ics_facts(web(request).app.db, [need.id])).get(need.id),
        )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="need-{need.id}.ics"'},
    )


async def feed(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    t = texts(request, tenant)
    category = request.path_params.get("category")
    org_id = request.path_params.get("organisation_id")
    name = tenant.name
    if category is not None:
        if not app.taxonomy.is_category(category):
            raise HTTPException(status_code=404)
        name = f"{tenant.name} · {app.taxonomy.label(category, t.lang)}"
    if org_id is not None:
        org = await organisation(app.db, int(org_id))
        if org is None or org.tenant_id != tenant_id(request, tenant):
            raise HTTPException(status_code=404)
        name = f"{tenant.name} · {org.name}"
    ids = await public_need_ids(
        app.db,
        tenant_id(request, tenant),
        app.now(),
        category=category,
        organisation_id=int(org_id) if org_id is not None else None,
    )
    if org_id is not None and not ids:
        # Not a directory of every organisation's name by id: only an
        # organisation with public needs has a public calendar.
        raise HTTPException(status_code=404)
    # Cancelled lately: kept as STATUS:CANCELLED so subscribed calendars drop them (14.6).
    ids += await recently_cancelled_ids(
        app.db,
        tenant_id(request, tenant),
        app.now(),
        category=category,
        organisation_id=int(org_id) if org_id is not None else None,
    )
    details = await need_details(app.db, ids)
    body = feed_ics(
        [details[i] for i in ids if i in details],
        name=name,
        tz_name=tenant.timezone,
        stamp=app.now(),
        base_url=web(request).config.public_url,
        facts=await ics_facts(app.db, ids),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"cache-control": "public, max-age=900"},
    )


async def calendars(request: Request) -> Response:
    tenant = tenant_of(request)
    t = texts(request, tenant)
    return await render(
        request,
        "calendars.html",
        {
            "all_url": f"/t/{tenant.slug}/calendar.ics",
            "categories": [
                (label, f"/t/{tenant.slug}/calendar/category/{code}.ics")
                for code, label in category_choices(t, web(request).app.taxonomy)
            ],
        },
        tenant=tenant,
        title_key="calendars.title",
    )


async def offers(request: Request) -> Response:
    tenant = tenant_of(request)
    app = web(request).app
    t = texts(request, tenant)
    rows = await public_offers(app.db, tenant_id(request, tenant), app.now())
    return await render(
        request,
        "offers.html",
        {"offers": [offer_line(t, app.taxonomy, o) for o in rows]},
        tenant=tenant,
        title_key="public_offers.title",
    )


async def brand_css(request: Request) -> Response:
    """The tenant's colours as CSS custom properties (a file: the CSP allows
    no inline style)."""
    tenant = tenant_of(request)
    colours = []
    for name, value in (
        ("--brand", tenant.branding.primary_color),
        ("--brand-soft", tenant.branding.secondary_color),
    ):
        if _is_colour(value):
            colours.append(f"  {name}: {value};")
    body = ":root {\n" + "\n".join(colours) + "\n}\n"
    return Response(body, media_type="text/css", headers={"cache-control": "public, max-age=300"})


def _is_colour(value: str) -> bool:
    import re

    return bool(re.fullmatch(r"#[0-9a-fA-F]{3,8}", value or ""))


routes = [
    Route("/", home, methods=["GET"]),
    Route("/t/{tenant}/", needs_list, methods=["GET"]),
    Route("/t/{tenant}/brand.css", brand_css, methods=["GET"]),
    Route("/t/{tenant}/needs/{need_id:int}", need_page, methods=["GET"]),
    Route("/t/{tenant}/needs/{need_id:int}/qr.svg", need_qr, methods=["GET"]),
    Route("/t/{tenant}/needs/{need_id:int}.ics", need_ics, methods=["GET"]),
    Route("/t/{tenant}/calendars", calendars, methods=["GET"]),
    Route("/t/{tenant}/calendar.ics", feed, methods=["GET"]),
    Route("/t/{tenant}/calendar/category/{category:str}.ics", feed, methods=["GET"]),
    Route("/t/{tenant}/calendar/organisation/{organisation_id:int}.ics", feed, methods=["GET"]),
    Route("/t/{tenant}/offers", offers, methods=["GET"]),
]
