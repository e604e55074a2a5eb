"""Who may use which web route: a matrix over every route of the app and
every kind of visitor, generated from the route table, so a new route without
a rule here fails ``test_every_route_has_a_rule``.

Visitors: anonymous; a volunteer with a web chat session; members of
organisations A and B (both in tenant X = aachen); editor and admin of X;
editor and admin of Y = stolberg.

GET requests are made as they are. POST requests never change anything
here: a visitor the rule lets in posts with a *wrong* CSRF token and must
reach the CSRF check ("form expired"), i.e. be past authorisation; a visitor
the rule keeps out posts with a *valid* CSRF token and must still be refused
(403/404, or sent to the log-in when anonymous)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from starlette.routing import Mount, Route

from core.services import accounts, editors, moderation, web_chat
from core.services.organisations import OfferInput, save_offer
from core.services.people import register_with_consent
from core.services.signup import sign_up
from core.services.web_chat import NewLine
from tests.bots.web.conftest import CSRF, Web
from tests.bots.web.helpers import post_need, sign_up_organisation

ANON, VOLUNTEER = "anonymous", "volunteer"
MEMBER_A, MEMBER_B = "member_a", "member_b"
EDITOR_X, ADMIN_X, EDITOR_Y, ADMIN_Y = "editor_x", "admin_x", "editor_y", "admin_y"
ROLES = (ANON, VOLUNTEER, MEMBER_A, MEMBER_B, EDITOR_X, ADMIN_X, EDITOR_Y, ADMIN_Y)
ALL = frozenset(ROLES)
MEMBERS = frozenset({MEMBER_A, MEMBER_B})
OWNER = frozenset({MEMBER_A})  # routes about organisation A's own need, offer, sign-up
EDITORS_X = frozenset({EDITOR_X, ADMIN_X})
ADMINS_X = frozenset({ADMIN_X})
CHAT_OWNER = frozenset({VOLUNTEER})
TOKEN = "token"  # links by e-mail: a bogus token gets 400 from everyone


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] | str
    login: bool = True  # refused anonymous visitors are sent to the log-in (else 403/404)


PUBLIC = Rule(ALL)
RULES: dict[tuple[str, str], Rule] = {
    # public pages, feeds, operations
    ("GET", "/"): PUBLIC,
    ("GET", "/t/{tenant}/"): PUBLIC,
    ("GET", "/t/{tenant}/brand.css"): PUBLIC,
    ("GET", "/t/{tenant}/needs/{need_id:int}"): PUBLIC,
    ("GET", "/t/{tenant}/needs/{need_id:int}/qr.svg"): PUBLIC,
    ("GET", "/t/{tenant}/needs/{need_id:int}.ics"): PUBLIC,
    ("GET", "/t/{tenant}/calendars"): PUBLIC,
    ("GET", "/t/{tenant}/calendar.ics"): PUBLIC,
    ("GET", "/t/{tenant}/calendar/category/{category:str}.ics"): PUBLIC,
    ("GET", "/t/{tenant}/calendar/organisation/{organisation_id:int}.ics"): PUBLIC,
    ("GET", "/t/{tenant}/offers"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("MOUNT", "/static"): PUBLIC,
    # accounts
    ("GET", "/t/{tenant}/signup"): PUBLIC,
    ("POST", "/t/{tenant}/signup"): PUBLIC,
    ("GET", "/t/{tenant}/signup/sent"): PUBLIC,
    ("GET", "/t/{tenant}/verify/{token}"): Rule(TOKEN),
    ("GET", "/t/{tenant}/login"): PUBLIC,
    ("POST", "/t/{tenant}/login"): PUBLIC,
    ("GET", "/t/{tenant}/links/{kind:str}"): PUBLIC,
    ("POST", "/t/{tenant}/links/{kind:str}"): PUBLIC,
    ("GET", "/t/{tenant}/login/link/{token}"): Rule(TOKEN),
    ("POST", "/t/{tenant}/login/link/{token}"): Rule(TOKEN),
    ("GET", "/t/{tenant}/reset/{token}"): Rule(TOKEN),
    ("POST", "/t/{tenant}/reset/{token}"): Rule(TOKEN),
    ("GET", "/t/{tenant}/invite/{token}"): Rule(TOKEN),
    ("POST", "/t/{tenant}/invite/{token}"): Rule(TOKEN),
    ("POST", "/t/{tenant}/logout"): PUBLIC,
    # organisations
    ("GET", "/t/{tenant}/org/"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/needs/new"): Rule(MEMBERS),
    ("POST", "/t/{tenant}/org/needs/new"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/needs/{need_id:int}"): Rule(OWNER),
    ("GET", "/t/{tenant}/org/needs/{need_id:int}/edit"): Rule(OWNER),
    ("POST", "/t/{tenant}/org/needs/{need_id:int}/edit"): Rule(OWNER),
    ("POST", "/t/{tenant}/org/needs/{need_id:int}/{action:str}"): Rule(OWNER),
    (
        "POST",
        "/t/{tenant}/org/needs/{need_id:int}/signups/{engagement_id:int}/{action:str}",
    ): Rule(OWNER),
    (  # the question before a no-show is noted
        "GET",
        "/t/{tenant}/org/needs/{need_id:int}/signups/{engagement_id:int}/no_show",
    ): Rule(OWNER),
    ("GET", "/t/{tenant}/org/inbox"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/invite"): Rule(MEMBERS),
    ("POST", "/t/{tenant}/org/invite"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/offers"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/offers/new"): Rule(MEMBERS),
    ("POST", "/t/{tenant}/org/offers/new"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/offers/{offer_id:int}/edit"): Rule(OWNER),
    ("POST", "/t/{tenant}/org/offers/{offer_id:int}/edit"): Rule(OWNER),
    ("POST", "/t/{tenant}/org/offers/{offer_id:int}/withdraw"): Rule(OWNER),
    # hours and the Ehrenamtsnachweis (issue 14.5)
    ("GET", "/t/{tenant}/org/hours"): Rule(MEMBERS),
    ("POST", "/t/{tenant}/org/hours/{entry_id:int}/{action:str}"): Rule(OWNER),
    ("GET", "/t/{tenant}/nachweis"): PUBLIC,
    ("GET", "/t/{tenant}/nachweis/{code:str}"): PUBLIC,
    # issue 14: fitting offers, answers through the relay (bots/web/routes/offers.py)
    ("GET", "/t/{tenant}/org/offers/fitting"): Rule(MEMBERS),
    ("POST", "/t/{tenant}/org/offers/{offer_id:int}/answer"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/inbox/{message_id:int}/answer"): Rule(OWNER),
    ("POST", "/t/{tenant}/org/inbox/{message_id:int}/answer"): Rule(OWNER),
    # the Redaktion
    ("GET", "/t/{tenant}/editor/"): Rule(EDITORS_X),
    ("POST", "/t/{tenant}/editor/needs/{need_id:int}/{action:str}"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/organisations"): Rule(EDITORS_X),
    ("POST", "/t/{tenant}/editor/organisations"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/content"): Rule(EDITORS_X),
    ("POST", "/t/{tenant}/editor/content"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/texts"): Rule(EDITORS_X),
    ("POST", "/t/{tenant}/editor/texts"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/audit"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/statistics"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/statistics.csv"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/embed"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/chat"): Rule(EDITORS_X),
    ("POST", "/t/{tenant}/editor/chat"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/team"): Rule(ADMINS_X),
    ("POST", "/t/{tenant}/editor/team"): Rule(ADMINS_X),
    ("POST", "/t/{tenant}/editor/team/{account_id:int}/{action:str}"): Rule(ADMINS_X),
    # needs in and out, feedback (issue 14.7/14.8)
    ("GET", "/t/{tenant}/needs.json"): PUBLIC,
    ("GET", "/t/{tenant}/org/needs.csv"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/org/needs.json"): Rule(MEMBERS),
    ("GET", "/t/{tenant}/editor/needs.csv"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/needs.json"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/exchange"): Rule(EDITORS_X),
    ("POST", "/t/{tenant}/editor/exchange"): Rule(EDITORS_X),
    ("GET", "/t/{tenant}/editor/feedback"): Rule(EDITORS_X),
    # the web chat (anyone may chat; a transcript's files only its own session)
    ("GET", "/t/{tenant}/chat"): PUBLIC,
    ("POST", "/t/{tenant}/chat"): PUBLIC,
    ("POST", "/t/{tenant}/chat/reset"): PUBLIC,
    # the web chat's opt-in e-mail (a person in the chat; links by e-mail)
    ("POST", "/t/{tenant}/chat/email"): PUBLIC,
    ("POST", "/t/{tenant}/chat/email/stop"): PUBLIC,
    # A person's private calendar (issue 14.6): made from their own chat page;
    # the feed opens only with its token (a bogus one is not found, for everyone).
    ("POST", "/t/{tenant}/chat/calendar"): PUBLIC,
    ("POST", "/t/{tenant}/chat/calendar/stop"): PUBLIC,
    ("GET", "/t/{tenant}/me/calendar/{token:str}.ics"): Rule(frozenset(), login=False),
    ("GET", "/t/{tenant}/chat/email/{token}"): Rule(TOKEN),
    ("GET", "/t/{tenant}/chat/email/stop/{token}"): Rule(TOKEN),
    ("POST", "/t/{tenant}/chat/email/stop/{token}"): Rule(TOKEN),
    ("GET", "/t/{tenant}/chat/files/{line_id:int}/{index:int}"): Rule(CHAT_OWNER, login=False),
    ("GET", "/embed/t/{tenant}/chat"): PUBLIC,
    ("POST", "/embed/t/{tenant}/chat"): PUBLIC,
    ("POST", "/embed/t/{tenant}/chat/reset"): PUBLIC,
    ("GET", "/embed/t/{tenant}/chat/files/{line_id:int}/{index:int}"): Rule(
        CHAT_OWNER, login=False
    ),
}
ACTIONS = {  # a real action for routes with an {action}: refused visitors must not reach it
    "/t/{tenant}/org/needs/{need_id:int}/{action:str}": "cancel",
    "/t/{tenant}/org/needs/{need_id:int}/signups/{engagement_id:int}/{action:str}": "accept",
    "/t/{tenant}/editor/needs/{need_id:int}/{action:str}": "approve",
    "/t/{tenant}/editor/team/{account_id:int}/{action:str}": "remove",
    "/t/{tenant}/org/hours/{entry_id:int}/{action:str}": "confirm",
}


def _keys(asgi) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    keys = set()
    for route in asgi.routes:
        if isinstance(route, Route):
            keys |= {(m, route.path) for m in (route.methods or ()) if m != "HEAD"}
        elif isinstance(route, Mount):
            keys.add(("MOUNT", route.path))
        else:
            keys.add(("?", getattr(route, "path", repr(route))))
    return keys


def test_every_route_has_a_rule(web_app: Web) -> None:
    routes = _keys(web_app.asgi)
    assert routes - RULES.keys() == set(), "routes without a rule in the matrix"
    assert RULES.keys() - routes == set(), "rules for routes that no longer exist"


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    values: dict[str, str]
    embed_token: str


async def _login(web: Web, email: str, password: str) -> httpx.AsyncClient:
    client = web.new_client()
    token = CSRF.search((await client.get("/t/aachen/login")).text)
    assert token
    done = await client.post(
        "/t/aachen/login",
        data={"csrf": token.group(1), "email": email, "password": password, "next": ""},
    )
    assert done.status_code == 303, done.text
    return client


async def _world(web: Web) -> World:
    app, now = web.app, web.clock.now()
    member_a = await sign_up_organisation(web, email="a@verein-a.de", name="Verein A")
    member_b = await sign_up_organisation(
        web, email="b@verein-b.de", name="Verein B", client=web.new_client()
    )
    need_id = await post_need(web, member_a)
    info_a = await accounts.account_info(
        app.db, await accounts.account_id_for_email(app.db, "a@verein-a.de") or 0
    )
    assert info_a is not None and info_a.organisation_id is not None
    await moderation.review(
        app.db, app.tenant_ids["aachen"], need_id, approve=True, reason="", actor="t", now=now
    )
    offer_id = await save_offer(
        app.db,
        info_a.organisation_id,
        OfferInput("Transporter", "Am Wochenende", "resource", None, None, None, None),
        taxonomy=app.taxonomy,
        places=app.places,
        now=now,
        actor="t",
    )
    person = await register_with_consent(
        app.db, tenant_slug="aachen", identity="telegram:77", consent_version="2026-11",
        language="de", now=now,
    )  # fmt: skip
    engagement = await sign_up(app.db, person.id, need_id, now)
    entry, code = await _certified_hours(app, person.id, engagement.engagement_id, now)
    from core.services.relay import ask_question

    question = await ask_question(app.db, person.id, need_id, "Frage?", now=now)

    clients = {MEMBER_A: member_a, MEMBER_B: member_b, ANON: web.new_client()}
    password = "redaktion-passwort"
    ids = {}
    for role, slug, email in (
        (EDITOR_X, "aachen", "ed@aachen.de"),
        (ADMIN_X, "aachen", "admin@aachen.de"),
        (EDITOR_Y, "stolberg", "ed@stolberg.de"),
        (ADMIN_Y, "stolberg", "admin@stolberg.de"),
    ):
        ids[role] = await accounts.ensure_editor(
            app.db, tenant_id=app.tenant_ids[slug], email=email, display_name=role,
            password=password, now=now,
        )  # fmt: skip
        if role.startswith("admin"):
            await editors.set_role(
                app.db, tenant_id=app.tenant_ids[slug], account_id=ids[role], role="admin",
                actor="t", now=now,
            )  # fmt: skip
        clients[role] = await _login(web, email, password)

    volunteer = web.new_client()
    clients[VOLUNTEER] = volunteer
    assert (await volunteer.get("/t/aachen/chat")).status_code == 200
    embed_page = (await volunteer.get("/embed/t/aachen/chat")).text
    embed_token = re.search(r'name="s" value="([^"]+)"', embed_page)
    assert embed_token
    # Attach a file to each of the volunteer's two transcripts (site and embed).
    lines = {}
    async with app.db.sessions() as session:
        from sqlalchemy import func, select

        from core.models import WebChatLine

        identities = list(
            (
                await session.scalars(
                    select(WebChatLine.identity)
                    .group_by(WebChatLine.identity)
                    .order_by(func.min(WebChatLine.id))
                )
            ).all()
        )
    assert len(identities) == 2
    for identity in identities:
        await web_chat.append(
            app.db,
            identity,
            "aachen",
            [NewLine(True, "Termin", attachments=(("termin.ics", "text/calendar", b"X"),))],
            now,
        )
        lines[identity] = (await web_chat.transcript(app.db, identity, "aachen"))[-1].id
    site_line, embed_line = (lines[i] for i in identities)  # the site chat was opened first
    values = {
        "{tenant}": "aachen",
        "{need_id:int}": str(need_id),
        "{engagement_id:int}": str(engagement.engagement_id),
        "{offer_id:int}": str(offer_id),
        "{message_id:int}": str(question.message_id),
        "{organisation_id:int}": str(info_a.organisation_id),
        "{category:str}": "soziales",
        "{kind:str}": "login",
        "{token}": "not-a-real-token",
        "{account_id:int}": str(ids[EDITOR_X]),
        "{index:int}": "0",
        "{entry_id:int}": str(entry),
        "{code:str}": code,
        "site_line": str(site_line),
        "embed_line": str(embed_line),
    }
    return World(clients, values, embed_token.group(1))


async def _certified_hours(app, person_id: int, engagement_id: int, now) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A logged date of organisation A's need (one more left open for the
    matrix to confirm) and a certificate over a confirmed one."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import select, update

    from core.models import Engagement, Need, Organisation
    from core.schedule import DAYS
    from core.services.certificate import CertificateBranding, issue_certificate
    from core.services.hours import decide_hours, log_hours

    # Hours are logged only for dates the engagement had: a daily series the
    # person joined a week ago (the web form posts a one-off date ahead).
    week_ago = now - timedelta(days=7)
    async with app.db.sessions() as session, session.begin():
        await session.execute(
            update(Need)
            .where(Need.id == select(Engagement.need_id).where(Engagement.id == engagement_id)
                   .scalar_subquery())
            .values(recurrence={"days": list(DAYS), "from": "10:00", "to": "14:00"},
                    starts_at=week_ago, ends_at=None)
        )  # fmt: skip
        await session.execute(
            update(Engagement).where(Engagement.id == engagement_id).values(created_at=week_ago)
        )
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()
    first = await log_hours(
        app.db, person_id=person_id, engagement_id=engagement_id, day=today - timedelta(days=1),
        hours=2, source="typed", now=now,
    )  # fmt: skip
    async with app.db.sessions() as session:
        org = await session.scalar(
            select(Organisation.id).join(Need, Need.organisation_id == Organisation.id)
            .where(Need.id == first.need_id)
        )  # fmt: skip
    await decide_hours(
        app.db, entry_id=first.entry_id, organisation_ids={org}, confirm=True, actor="t", now=now
    )
    issued = await issue_certificate(
        app.db, person_id=person_id, holder_name="Vera Volunteer",
        branding=CertificateBranding("Stadt Aachen", "Bot"), verify_url="http://x", now=now,
        tz=ZoneInfo("Europe/Berlin"),
    )  # fmt: skip
    second = await log_hours(
        app.db, person_id=person_id, engagement_id=engagement_id, day=today, hours=3,
        source="typed", now=now,
    )  # fmt: skip
    return second.entry_id, issued.content.code


def _path(world: World, path: str, role: str) -> str:
    url = path
    if "{action:str}" in path:
        url = url.replace("{action:str}", ACTIONS[path])
    line = world.values["embed_line" if path.startswith("/embed/") else "site_line"]
    url = url.replace("{line_id:int}", line)
    for key, value in world.values.items():
        url = url.replace(key, value)
    if path.startswith("/embed/") and "/files/" in path and role == VOLUNTEER:
        url += f"?s={world.embed_token}"
    return url


def _outcome(response: httpx.Response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307) and "/login" in response.headers.get("location", ""):
        return "login"
    if status == 403 and (
        "Formular abgelaufen" in response.text or "Form expired" in response.text
    ):
        return "csrf"
    if status in (401, 403, 404):
        return "denied"
    if status == 400:
        return "bad request"
    return "ok"


async def _valid_csrf(client: httpx.AsyncClient) -> str:
    found = CSRF.search((await client.get("/t/aachen/login")).text)
    assert found
    return found.group(1)


async def test_every_route_and_visitor_gets_what_the_matrix_says(web_app: Web) -> None:
    world = await _world(web_app)
    wrong: list[str] = []
    for (method, path), rule in sorted(RULES.items()):
        for role in ROLES:
            client = world.clients[role]
            if method == "MOUNT":
                response = await client.get(path + "/style.css")
                expected = "ok"
            elif rule.allowed == TOKEN:
                if method == "GET":
                    response = await client.get(_path(world, path, role))
                else:
                    data = {"csrf": await _valid_csrf(client), "password": "x" * 12}
                    response = await client.post(_path(world, path, role), data=data)
                expected = "bad request"
            else:
                allowed = role in rule.allowed
                refused = "login" if rule.login and role in (ANON, VOLUNTEER) else "denied"
                url = _path(world, path, role)
                if method == "GET":
                    response = await client.get(url)
                    expected = "ok" if allowed else refused
                elif allowed:
                    response = await client.post(url, data={"csrf": "forged"})
                    expected = "csrf"
                else:
                    response = await client.post(
                        url, data={"csrf": await _valid_csrf(client), "role": "admin"}
                    )
                    expected = refused
            got = _outcome(response)
            if got != expected:
                wrong.append(
                    f"{method} {path} as {role}: {got} ({response.status_code}), expected {expected}"
                )
    assert not wrong, "\n".join(wrong)
    # Nothing the refused visitors posted took effect.
    team = await editors.editors(web_app.app.db, web_app.app.tenant_ids["aachen"])
    assert {e.email for e in team} == {"ed@aachen.de", "admin@aachen.de"}


async def test_a_public_need_page_of_another_tenant_is_not_found(web_app: Web) -> None:
    world = await _world(web_app)
    url = f"/t/stolberg/needs/{world.values['{need_id:int}']}"
    assert (await world.clients[ANON].get(url)).status_code == 404
