"""The organisation's area: its needs (post, edit, extend, mark filled,
cancel), sign-ups (accept, decline, message), offers, inbox and the invite
that links a chat. Every route checks that the need or offer is the
signed-in member's organisation's (403 otherwise)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.forms import (
    NEED_FIELDS,
    NEED_LISTS,
    OFFER_FIELDS,
    OFFER_LISTS,
    FormState,
    domain_error_field,
    form_state,
    need_state_from,
    offer_day_list,
    offer_kind_value,
    parse_need,
    parse_offer,
)
from bots.web.pages import (
    Member,
    redirect,
    render,
    require_member,
    telegram_username,
    texts,
    web,
)
from bots.web.security import checked_form
from bots.web.views import (
    category_choices,
    chat_links,
    day_choices,
    need_card,
    need_line,
    offer_line,
    qualification_choices,
)
from core.errors import (
    ChangePending,
    DatePassed,
    DomainError,
    NeedNotOpen,
    NotAllowed,
    UnknownEngagement,
    UnknownNeed,
    UnknownPlace,
)
from core.resources import Resources
from core.schedule import last_moment
from core.services import org_invites, org_notices, organisations, relay
from core.services.needs import NeedStatus, cancel_need, need_detail, post_need
from core.services.signup import (
    EngagementStatus,
    decide,
    mark_no_show,
    no_show_date,
    no_shows_noted,
)

log = logging.getLogger(__name__)


def _tz(member: Member) -> ZoneInfo:
    return ZoneInfo(member.tenant.timezone)


def _need_id(request: Request) -> int:
    return int(request.path_params["need_id"])


async def _own_need(request: Request, member: Member) -> int:
    """The need id of the path, if it is the member's organisation's: else 403/404."""
    need_id = _need_id(request)
    try:
        owner, _ = await organisations.need_owner(web(request).app.db, need_id)
    except UnknownNeed as exc:
        raise HTTPException(status_code=404) from exc
    if owner != member.organisation_id:
        raise HTTPException(status_code=403)
    return need_id


async def dashboard(request: Request) -> Response:
    member = await require_member(request)
    app = web(request).app
    t = texts(request, member.tenant)
    rows = await organisations.needs_of(app.db, member.organisation_id)
    org = await organisations.organisation(app.db, member.organisation_id)
    return await render(
        request,
        "org/dashboard.html",
        {
            "needs": [need_line(t, app.taxonomy, r, app.now()) for r in rows],
            "organisation": org,
            "welcome": request.query_params.get("welcome") == "1",
            "notice": request.query_params.get("notice", ""),
        },
        tenant=member.tenant,
        title_key="org.title",
    )


def _form_values(
    request: Request, member: Member, state: FormState, **extra: Any
) -> dict[str, Any]:
    t = texts(request, member.tenant)
    taxonomy = web(request).app.taxonomy
    values: dict[str, Any] = {
        "form": state,
        "categories": category_choices(t, taxonomy),
        "qualifications": qualification_choices(t, taxonomy),
        "days": day_choices(t),
        "preview": None,
        "suggestions": [],
    }
    values.update(extra)
    return values


def _resolve_preview(request: Request, member: Member, state: FormState) -> str | None:
    """Where the typed place resolves, for the preview; errors go into the form."""
    if state.get("where") == "remote" or not state.get("place"):
        return None
    try:
        lat, lon, label = web(request).app.places.resolve(state.get("place"), member.tenant.slug)
    except UnknownPlace as exc:
        state.errors["place"] = "unknown_place"
        state.values["_suggestions"] = ", ".join(exc.suggestions[:5])
        return None
    t = texts(request, member.tenant)
    return t(
        "need_form.resolved", label=label, lat=t.number(lat, "0.0000"), lon=t.number(lon, "0.0000")
    )


async def need_new(request: Request) -> Response:
    member = await require_member(request)
    state = FormState(values={"schedule": "once", "where": "place", "helpers": "1"})
    return await render(
        request,
        "org/need_form.html",
        _form_values(request, member, state),
        tenant=member.tenant,
        title_key="need_form.new_title",
    )


async def _need_submit(request: Request, need_id: int | None) -> Response:
    member = await require_member(request)
    if need_id is not None:
        need_id = await _own_need(request, member)
    app = web(request).app
    form = await checked_form(request)
    state = form_state(form, NEED_FIELDS, NEED_LISTS)
    data = parse_need(state, app.taxonomy, _tz(member), app.now())
    preview = _resolve_preview(request, member, state)
    title_key = "need_form.edit_title" if need_id else "need_form.new_title"
    if data is None or state.errors or form.get("action") == "preview":
        return await render(
            request,
            "org/need_form.html",
            _form_values(request, member, state, preview=preview, need_id=need_id),
            tenant=member.tenant,
            status=400 if state.errors else 200,
            title_key=title_key,
        )
    change_pending = False
    try:
        if need_id is None:
            ref = await post_need(
                app.db,
                organisation_id=member.organisation_id,
                data=data,
                taxonomy=app.taxonomy,
                places=app.places,
                now=app.now(),
                tz=_tz(member),
                actor=member.actor,
            )
            need_id, status = ref.id, ref.status
        else:
            edit = await organisations.update_need(
                app.db,
                member.organisation_id,
                need_id,
                data,
                taxonomy=app.taxonomy,
                places=app.places,
                now=app.now(),
                tz=_tz(member),
                actor=member.actor,
            )
            status = edit.status
            if edit.awaits_review:
                status = NeedStatus.PENDING_REVIEW
                if edit.status in (NeedStatus.PUBLISHED, NeedStatus.FILLED, NeedStatus.EXPIRED):
                    change_pending = True
    except UnknownPlace:
        state.errors["place"] = "unknown_place"
    except NotAllowed as exc:
        raise HTTPException(status_code=403) from exc
    except DomainError as exc:
        field, key = domain_error_field(exc)
        state.errors[field] = key
    if state.errors:
        return await render(
            request,
            "org/need_form.html",
            _form_values(request, member, state, preview=preview, need_id=need_id),
            tenant=member.tenant,
            status=400,
            title_key=title_key,
        )
    notice = "pending" if status == NeedStatus.PENDING_REVIEW else "published"
    if change_pending:
        notice = "change_pending"
    return redirect(f"/t/{member.tenant.slug}/org/needs/{need_id}?notice={notice}")


async def need_create(request: Request) -> Response:
    return await _need_submit(request, None)


async def need_page(request: Request) -> Response:
    member = await require_member(request)
    need_id = await _own_need(request, member)
    app = web(request).app
    t = texts(request, member.tenant)
    detail = await need_detail(app.db, need_id)
    signups = await organisations.signups_of(app.db, member.organisation_id, need_id)
    row = await organisations.need_for_edit(app.db, member.organisation_id, need_id)
    begun = await no_show_date(app.db, need_id, app.now())  # a date to have missed
    noted = await no_shows_noted(app.db, need_id, app.now())  # ... and noted already
    public_url = f"/t/{member.tenant.slug}/needs/{need_id}"
    return await render(
        request,
        "org/need.html",
        {
            "need": need_card(t, app.taxonomy, detail, public_url, now=app.now()),
            "signups": [
                {
                    "id": s.engagement_id,
                    "name": s.name or t("signup.someone"),
                    "status": t(f"engagement.{s.status.value}")
                    + (" · " + t("engagement.waitlisted") if s.waitlisted else ""),
                    "open": s.status in (EngagementStatus.INTERESTED, EngagementStatus.ACCEPTED),
                    "can_accept": s.status == EngagementStatus.INTERESTED,
                    "contact": ", ".join(x for x in (s.email, s.phone) if x),
                    "since": t.when(s.created_at),
                    "can_message": s.person_id is not None,
                    "can_no_show": _can_no_show(s, begun) and s.engagement_id not in noted,
                    # a weekly one stays signed up: its missed date is noted
                    "no_show_noted": t("org.no_show_noted_on", date=t.when(begun))
                    if begun is not None
                    and s.engagement_id in noted
                    and s.status != EngagementStatus.NO_SHOW
                    else "",
                }
                for s in signups
            ],
            "rejection_reason": row.rejection_reason if row.status == NeedStatus.REJECTED else None,
            # A change of the published need: waiting for review, or rejected.
            "change_waiting": row.change_pending,
            "changed_fields": ", ".join(t(f"editor.change_field.{f}") for f in row.changed),
            "change_rejected": row.rejection_reason
            if row.status in (NeedStatus.PUBLISHED, NeedStatus.FILLED) and not row.change_pending
            else None,
            "can_edit": row.status not in (NeedStatus.CANCELLED,),
            "can_cancel": row.status
            in (
                NeedStatus.PENDING_REVIEW,
                NeedStatus.PUBLISHED,
                NeedStatus.FILLED,
                NeedStatus.DRAFT,
            ),
            "can_fill": row.status == NeedStatus.PUBLISHED,
            # Closed early, places free, its date ahead (``organisations.reopen_need``).
            "can_reopen": row.status == NeedStatus.FILLED
            and detail.helpers_taken < detail.helpers_wanted
            and not detail.date_passed(app.now()),
            "can_extend": row.recurrence is not None
            and row.valid_until is not None  # one without an end runs until it is closed
            and row.status in (NeedStatus.PUBLISHED, NeedStatus.FILLED, NeedStatus.EXPIRED),
            "valid_until": t.day(last_moment(row.valid_until)) if row.valid_until else "",
            "notice": request.query_params.get("notice", ""),
            "public": row.status in (NeedStatus.PUBLISHED, NeedStatus.FILLED) and not row.hidden,
        },
        tenant=member.tenant,
        title_key="org.need_title",
    )


def _can_no_show(signup: organisations.SignupView, begun: datetime | None) -> bool:
    """Someone with a place, on a need whose (latest) date has begun."""
    return (
        signup.status in (EngagementStatus.INTERESTED, EngagementStatus.ACCEPTED)
        and not signup.waitlisted
        and begun is not None
    )


async def no_show_confirm(request: Request) -> Response:
    """The question before a no-show is noted (as the chat asks it): who,
    which date, what follows; a form to confirm and a way back. No
    JavaScript: the need page links here, this page posts the action."""
    member = await require_member(request)
    need_id = await _own_need(request, member)
    app = web(request).app
    t = texts(request, member.tenant)
    engagement_id = int(request.path_params["engagement_id"])
    need_url = f"/t/{member.tenant.slug}/org/needs/{need_id}"
    signups = await organisations.signups_of(app.db, member.organisation_id, need_id)
    signup = next((s for s in signups if s.engagement_id == engagement_id), None)
    missed = await no_show_date(app.db, need_id, app.now())
    detail = await need_detail(app.db, need_id)
    name = (signup.name or t("signup.someone")) if signup is not None else ""
    if (
        signup is not None
        and missed is not None
        and (
            signup.status == EngagementStatus.NO_SHOW
            or engagement_id in await no_shows_noted(app.db, need_id, app.now())
        )
    ):  # noted before (a second member, the back button): said, not asked again
        return await render(
            request,
            "org/no_show.html",
            {
                "already": t(
                    "org.no_show_noted", name=name, date=t.when(missed), title=detail.title
                ),
                "need_url": need_url,
            },
            tenant=member.tenant,
            title_key="org.no_show_title",
        )
    if signup is None or not _can_no_show(signup, missed):
        return redirect(f"{need_url}?notice=not_possible")
    assert missed is not None
    return await render(
        request,
        "org/no_show.html",
        {
            "question": t(
                "org.no_show_ask",
                name=name,
                date=t.when(missed),
                title=detail.title,
            ),
            "action": f"{need_url}/signups/{engagement_id}/no_show",
            "need_url": need_url,
        },
        tenant=member.tenant,
        title_key="org.no_show_title",
    )


async def need_edit(request: Request) -> Response:
    member = await require_member(request)
    need_id = await _own_need(request, member)
    if request.method == "POST":
        return await _need_submit(request, need_id)
    row = await organisations.need_for_edit(web(request).app.db, member.organisation_id, need_id)
    state = need_state_from(
        {
            "title": row.title,
            "description": row.description,
            "category": row.category,
            "remote": row.remote,
            "place_label": row.place_label,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "recurrence": row.recurrence,
            "valid_until": row.valid_until,
            "helpers_wanted": row.helpers_wanted,
            "urgent": row.urgent,
            "qualifications": row.qualifications,
        },
        _tz(member),
    )
    return await render(
        request,
        "org/need_form.html",
        _form_values(request, member, state, need_id=need_id),
        tenant=member.tenant,
        title_key="need_form.edit_title",
    )


async def need_action(request: Request) -> Response:
    """cancel | fill | extend | reopen"""
    member = await require_member(request)
    need_id = await _own_need(request, member)
    await checked_form(request)
    app = web(request).app
    action = request.path_params["action"]
    notice = action
    try:
        if action == "cancel":
            # Each signed-up person is told once, through the outbox.
            if not await cancel_need(app.db, need_id, actor=member.actor, now=app.now()):
                notice = "cancel_nobody"  # nobody to tell
        elif action == "fill":
            await organisations.mark_filled(
                app.db, member.organisation_id, need_id, now=app.now(), actor=member.actor
            )
        elif action == "extend":
            await organisations.extend_need(
                app.db, member.organisation_id, need_id, now=app.now(), actor=member.actor
            )
        elif action == "reopen":
            if await organisations.reopen_need(
                app.db, member.organisation_id, need_id, now=app.now(), actor=member.actor
            ):
                notice = "reopen_alerts"
        else:
            raise HTTPException(status_code=404)
    except ChangePending:
        notice = "extend_change_pending"
    except DatePassed:
        notice = f"{action}_past" if action == "reopen" else "not_possible"
    except NeedNotOpen:
        notice = f"{action}_full" if action == "reopen" else "not_possible"
    except DomainError:
        notice = "not_possible"
    return redirect(f"/t/{member.tenant.slug}/org/needs/{need_id}?notice={notice}")


async def signup_action(request: Request) -> Response:
    """accept | decline | message, for one sign-up on the member's need."""
    member = await require_member(request)
    need_id = await _own_need(request, member)
    form = await checked_form(request)
    app = web(request).app
    engagement_id = int(request.path_params["engagement_id"])
    action = request.path_params["action"]
    notice = action
    try:
        # The sign-up must be on this need (403/refused otherwise).
        await organisations.person_of_engagement(
            app.db, member.organisation_id, engagement_id, need_id
        )
        if action in ("accept", "decline"):
            # The volunteer (and whoever moves up) is told through the outbox.
            await decide(
                app.db,
                member.organisation_id,
                engagement_id,
                accept=action == "accept",
                actor=member.actor,
                now=app.now(),
            )
        elif action == "no_show":  # issue 14.2: the organisation's other members hear
            if form.get("confirm") != "yes":  # asked first (``no_show_confirm``)
                path = f"/t/{member.tenant.slug}/org/needs/{need_id}/signups/{engagement_id}"
                return redirect(f"{path}/no_show")
            if not await mark_no_show(
                app.db, member.organisation_id, engagement_id, actor=member.actor, now=app.now()
            ):
                notice = "no_show_already"  # noted before: nothing changed, no second notice
        elif action == "message":
            body = str(form.get("body") or "")
            # Stored with its outbox row; delivery brings it to the chat.
            await relay.send_to_volunteer(
                app.db,
                member.organisation_id,
                engagement_id,
                body,
                account_id=member.account.id,
                now=app.now(),
            )
            notice = "message_sent"
        else:
            raise HTTPException(status_code=404)
    except NotAllowed as exc:
        raise HTTPException(status_code=403) from exc
    except (UnknownEngagement, DomainError):
        notice = "not_possible"
    return redirect(f"/t/{member.tenant.slug}/org/needs/{need_id}?notice={notice}")


async def inbox(request: Request) -> Response:
    member = await require_member(request)
    app = web(request).app
    t = texts(request, member.tenant)
    items = await relay.inbox(app.db, member.organisation_id)
    await relay.mark_read(app.db, member.organisation_id, app.now())
    notices = await org_notices.notices_of(app.db, member.organisation_id)
    await org_notices.mark_read(app.db, member.organisation_id, app.now())
    return await render(
        request,
        "org/inbox.html",
        {
            "items": [
                {
                    "incoming": i.incoming,
                    "need": i.need_title or "",
                    "need_url": f"/t/{member.tenant.slug}/org/needs/{i.need_id}"
                    if i.need_id
                    else "",
                    "volunteer": i.volunteer or t("signup.someone"),
                    "body": i.body,
                    "when": t.when(i.created_at),
                    "delivered": i.delivered,
                    "unread": not i.read,
                    "answer_url": f"/t/{member.tenant.slug}/org/inbox/{i.id}/answer"
                    if i.incoming
                    else "",  # issue 14: answers thread (bots/web/routes/offers.py)
                }
                for i in items
            ],
            # Issue 14: sign-ups, withdrawals, "can't come", no-shows.
            "notices": [
                {
                    "text": t(
                        "inbox.notice." + _notice_key(n),
                        name=n.volunteer or t("signup.someone"),
                        date=t.when(n.starts_at),
                    ),
                    "need": n.need_title,
                    "need_url": f"/t/{member.tenant.slug}/org/needs/{n.need_id}",
                    "when": t.when(n.created_at),
                    "unread": not n.read,
                }
                for n in notices
            ],
        },
        tenant=member.tenant,
        title_key="inbox.title",
    )


def _notice_key(n: org_notices.NoticeView) -> str:
    if n.kind == org_notices.SIGNED_UP and n.waitlisted:
        return "signed_up_waitlisted"
    if n.kind == org_notices.SKIPS_DATE and n.starts_at is not None:
        return "skips_date_on"  # which date (older notices did not keep it)
    return n.kind


async def invite(request: Request) -> Response:
    member = await require_member(request)
    app = web(request).app
    if request.method == "POST":
        form = await checked_form(request)
        if form.get("action") == "revoke":
            await org_invites.revoke_invites(
                app.db, member.organisation_id, account_id=member.account.id, now=app.now()
            )
        else:
            await org_invites.create_invite(
                app.db, member.organisation_id, account_id=member.account.id, now=app.now()
            )
        return redirect(f"/t/{member.tenant.slug}/org/invite")
    t = texts(request, member.tenant)
    current = await org_invites.current_invite(app.db, member.organisation_id, app.now())
    links = None
    if current is not None:
        links = chat_links(
            member.tenant, current.start_arg, telegram_username(request, member.tenant.slug)
        )
    return await render(
        request,
        "org/invite.html",
        {
            "invite": current,
            "links": links,
            "expires": t.day(current.expires_at) if current else "",
        },
        tenant=member.tenant,
        title_key="invite.title",
    )


# -- offers --------------------------------------------------------------------


OFFER_LABELS = (
    "title",
    "kind",
    "description",
    "category",
    "place",
    "days",
    "available_from",
    "available_until",
)


def _offer_values(
    request: Request, member: Member, state: FormState, offer_id: int | None
) -> dict[str, Any]:
    t = texts(request, member.tenant)
    resources = Resources.load()
    kinds = [("time", t("offer_form.kind_time")), ("skill", t("offer_form.kind_skill"))]
    kinds += [
        (offer_kind_value("resource", code), t("offer_form.kind_of_resource", resource=label))
        for code, label in resources.choices(t.lang)
    ]
    kinds.append(("resource", t("offer_form.kind_resource")))
    labels = {name: t(f"offer_form.{name}") for name in OFFER_LABELS}
    return {
        "form": state,
        "offer_id": offer_id,
        "categories": category_choices(t, web(request).app.taxonomy),
        "kinds": kinds,
        "days": day_choices(t),
        "labels": labels,
    }


async def offers(request: Request) -> Response:
    member = await require_member(request)
    app = web(request).app
    t = texts(request, member.tenant)
    rows = await organisations.offers_of(app.db, member.organisation_id)
    return await render(
        request,
        "org/offers.html",
        {"offers": [offer_line(t, app.taxonomy, o) for o in rows]},
        tenant=member.tenant,
        title_key="offers.title",
    )


async def offer_form(request: Request) -> Response:
    member = await require_member(request)
    app = web(request).app
    offer_id = int(request.path_params["offer_id"]) if "offer_id" in request.path_params else None
    if request.method == "GET":
        state = FormState(values={"kind": offer_kind_value("resource", "van")})
        if offer_id is not None:
            try:
                o = await organisations.offer_of(app.db, member.organisation_id, offer_id)
            except NotAllowed as exc:
                raise HTTPException(status_code=403) from exc
            tz = _tz(member)
            state = FormState(
                values={
                    "title": o.title,
                    "description": o.description,
                    "kind": offer_kind_value(o.kind, o.resource),
                    "category": o.category or "",
                    "place": o.place_label or "",
                    "available_from": _local_day(o.available_from, tz, 0),
                    "available_until": _local_day(o.available_until, tz, -1),
                },
                lists={"days": offer_day_list(o.cell_mask)},
            )
        return await render(
            request,
            "org/offer_form.html",
            _offer_values(request, member, state, offer_id),
            tenant=member.tenant,
            title_key="offers.form_title",
        )
    form = await checked_form(request)
    if offer_id is not None:
        try:  # another organisation's offer: refused before its form is even read
            await organisations.offer_of(app.db, member.organisation_id, offer_id)
        except NotAllowed as exc:
            raise HTTPException(status_code=403) from exc
    state = form_state(form, OFFER_FIELDS, OFFER_LISTS)
    data = parse_offer(state, _tz(member), app.now())
    state.errors.update(organisations.validate_offer(data, app.taxonomy))
    # The summary lists what to fix in the order of the form.
    order = {name: i for i, name in enumerate(OFFER_LABELS)}
    state.errors = dict(sorted(state.errors.items(), key=lambda e: order.get(e[0], len(order))))
    if not state.errors:
        try:
            await organisations.save_offer(
                app.db,
                member.organisation_id,
                data,
                taxonomy=app.taxonomy,
                places=app.places,
                now=app.now(),
                actor=member.actor,
                offer_id=offer_id,
            )
            return redirect(f"/t/{member.tenant.slug}/org/offers")
        except UnknownPlace:
            state.errors["place"] = "unknown_place"
        except NotAllowed as exc:
            raise HTTPException(status_code=403) from exc
    return await render(
        request,
        "org/offer_form.html",
        _offer_values(request, member, state, offer_id),
        tenant=member.tenant,
        status=400,
        title_key="offers.form_title",
    )


def _local_day(at: datetime | None, tz: ZoneInfo, shift: int) -> str:
    from datetime import timedelta

    if at is None:
        return ""
    return (at.astimezone(tz) + timedelta(days=shift)).date().isoformat()


async def offer_withdraw(request: Request) -> Response:
    member = await require_member(request)
    await checked_form(request)
    app = web(request).app
    try:
        await organisations.withdraw_offer(
            app.db,
            member.organisation_id,
            int(request.path_params["offer_id"]),
            now=app.now(),
            actor=member.actor,
        )
    except NotAllowed as exc:
        raise HTTPException(status_code=403) from exc
    return redirect(f"/t/{member.tenant.slug}/org/offers")


routes = [
    Route("/t/{tenant}/org/", dashboard, methods=["GET"]),
    Route("/t/{tenant}/org/needs/new", need_new, methods=["GET"]),
    Route("/t/{tenant}/org/needs/new", need_create, methods=["POST"]),
    Route("/t/{tenant}/org/needs/{need_id:int}", need_page, methods=["GET"]),
    Route("/t/{tenant}/org/needs/{need_id:int}/edit", need_edit, methods=["GET", "POST"]),
    Route("/t/{tenant}/org/needs/{need_id:int}/{action:str}", need_action, methods=["POST"]),
    Route(
        "/t/{tenant}/org/needs/{need_id:int}/signups/{engagement_id:int}/no_show",
        no_show_confirm,
        methods=["GET"],
    ),
    Route(
        "/t/{tenant}/org/needs/{need_id:int}/signups/{engagement_id:int}/{action:str}",
        signup_action,
        methods=["POST"],
    ),
    Route("/t/{tenant}/org/inbox", inbox, methods=["GET"]),
    Route("/t/{tenant}/org/invite", invite, methods=["GET", "POST"]),
    Route("/t/{tenant}/org/offers", offers, methods=["GET"]),
    Route("/t/{tenant}/org/offers/new", offer_form, methods=["GET", "POST"]),
    Route("/t/{tenant}/org/offers/{offer_id:int}/edit", offer_form, methods=["GET", "POST"]),
    Route("/t/{tenant}/org/offers/{offer_id:int}/withdraw", offer_withdraw, methods=["POST"]),
]
