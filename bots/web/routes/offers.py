"""Offers and the relay, seen by an organisation on the web (issue 14):
"Passende Angebote" (offers of volunteers and other organisations that fit
its open needs, with the matching's reasons), answering a volunteer's offer
through the relay, and answering a volunteer's message (a question before
signing up, a reply) threaded to it.

Same rules as the rest of the organisation area: a signed-in member of an
organisation of this tenant (log-in otherwise, 403 for anyone else); every
POST carries the CSRF token; a message that is not the member's
organisation's is a 403; nothing of the volunteer's contact details is shown
unless they passed it on themselves. Answers are stored with their outbox
row; delivery brings them to the volunteer's chat (``relay_message``).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bots.web.pages import redirect, render, require_member, tenant_id, texts, web
from bots.web.security import checked_form
from core.errors import DomainError, NotAllowed, TooManyReplies
from core.services import moderation, offers, relay
from dialogue.render import reasons_line
from dialogue.texts import Texts


async def fitting(request: Request) -> Response:
    """GET: the offers that fit the organisation's open needs, best first."""
    member = await require_member(request)
    app = web(request).app
    t = texts(request, member.tenant)
    # The reasons read as in the member's chat: the bot's texts with the
    # editors' wording (dialogue.engine loads the same), already escaped.
    edited = await moderation.edited_texts(app.db, tenant_id(request, member.tenant))
    chat_t = Texts(member.tenant, t.lang, edited)
    found = await offers.offers_for_organisation(app.db, member.organisation_id, app.now())
    items: list[dict[str, Any]] = [
        {
            "id": f.offer_id,
            "title": f.offer_title,
            "kind": t(f"fitting_offers.kind_{f.kind}"),
            "by": f.offered_by or t("fitting_offers.someone"),
            "place": f.place_label or "",
            "need": f.need_title,
            "need_url": f"/t/{member.tenant.slug}/org/needs/{f.need_id}",
            "reasons": Markup(reasons_line(chat_t, app.taxonomy, f.reasons)),
            "answerable": True,  # a volunteer's offer or another organisation's
            "by_person": f.by_person,
        }
        for f in found
    ]
    return await render(
        request,
        "org/fitting_offers.html",
        {"items": items, "notice": request.query_params.get("notice", "")},
        tenant=member.tenant,
        title_key="fitting_offers.title",
    )


async def answer_offer(request: Request) -> Response:
    """POST: write to whoever posted an offer (a volunteer, another
    organisation), through the relay."""
    member = await require_member(request)
    app = web(request).app
    form = await checked_form(request)
    notice = "sent"
    try:
        sent = await relay.answer_offer(
            app.db,
            member.organisation_id,
            int(request.path_params["offer_id"]),
            str(form.get("body") or ""),
            now=app.now(),
            account_id=member.account.id,
        )
        if not sent.person_id:  # to another organisation (its members and inbox)
            notice = "sent_org"
    except NotAllowed as exc:
        raise HTTPException(status_code=403) from exc
    except TooManyReplies:
        notice = "too_many"
    except DomainError:
        notice = "not_possible"
    return redirect(f"/t/{member.tenant.slug}/org/offers/fitting?notice={notice}")


async def answer_message(request: Request) -> Response:
    """GET: the volunteer's message and a form; POST: the answer, threaded to it."""
    member = await require_member(request)
    app = web(request).app
    message_id = int(request.path_params["message_id"])
    asked = await relay.message_to_org(app.db, member.organisation_id, message_id)
    if asked is None:
        raise HTTPException(status_code=403)
    error = ""
    if request.method == "POST":
        form = await checked_form(request)
        try:
            await relay.answer(
                app.db,
                member.organisation_id,
                message_id,
                str(form.get("body") or ""),
                now=app.now(),
                account_id=member.account.id,
            )
            return redirect(f"/t/{member.tenant.slug}/org/inbox?notice=sent")
        except NotAllowed as exc:
            raise HTTPException(status_code=403) from exc
        except TooManyReplies:
            error = "too_many"
        except DomainError:
            error = "invalid"
    return await render(
        request,
        "org/answer_message.html",
        {"message": asked, "error": error, "message_id": message_id},
        tenant=member.tenant,
        title_key="answer_message.title",
        status=400 if error else 200,
    )


routes = [
    Route("/t/{tenant}/org/offers/fitting", fitting, methods=["GET"]),
    Route("/t/{tenant}/org/offers/{offer_id:int}/answer", answer_offer, methods=["POST"]),
    Route("/t/{tenant}/org/inbox/{message_id:int}/answer", answer_message, methods=["GET", "POST"]),
]
