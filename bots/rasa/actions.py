"""``ehrenamt rasa actions``: a Rasa action server (rasa-sdk) on our matching.

A Rasa assistant whose ``endpoints.yml`` names ``action_endpoint:
http://host:5055/webhook`` and whose domain comes from ``ehrenamt rasa
export`` calls these actions; each one calls our core services, exactly as our
own bot does (same ranking, same sign-up rules, same texts):

============================  =====================================================
``action_search``             needs matching the message's topic/place/date filter
``action_show_matches``       saves the profile the form collected, shows its matches
``action_need_detail``        one need (button ``/need_detail{"need_id": "42"}``)
``action_sign_up``            signs up for a need (``/sign_up{"need_id": "42"}``)
``action_my_engagements``     the person's engagements
``action_withdraw``           withdraws (``/withdraw{"need_id": "42"}``)
``action_feedback``           keeps the feedback for the tenant's editors (as our bot)
============================  =====================================================

Identity: the Rasa sender id becomes ``rasa:<tenant>:<sender id>`` in the tenant given
to the server (``--tenant``) or in the message metadata (``{"tenant": slug}``).
A person is created when an action first needs one; the Rasa assistant must
have asked for consent before it calls ``action_show_matches`` or
``action_sign_up`` (docs/rasa.md). Logs carry action names, never texts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from bots.bootstrap import App, bootstrap
from core.availability import DAYPARTS, DAYS
from core.errors import DomainError, NeedNotOpen
from core.matching import VolunteerView
from core.search import NO_FILTER, SearchFilter
from core.services.feedback import keep_feedback
from core.services.matches import CardPage, matches_for_view
from core.services.needs import need_for_volunteer, need_to_show
from core.services.people import PersonRef, person_for_identity, register_with_consent
from core.services.profiles import ProfileData, get_profile, save_profile
from core.services.signup import engagements_of, sign_up, withdraw
from core.tenants import TenantConfig
from dialogue import render
from dialogue.flows import matches as matches_flow
from dialogue.flows import onboarding
from dialogue.flows.feedback import carried
from dialogue.markup import escape, to_plain
from dialogue.texts import Texts

log = logging.getLogger(__name__)

PAGE = matches_flow.PAGE  # as many cards as our bot shows
DEFAULT_RADIUS_KM = float(onboarding.DEFAULT_RADIUS)  # the same default radius as onboarding


@dataclass(slots=True)
class Context:
    app: App
    tenant: TenantConfig
    texts: Texts
    identity: str
    lang: str

    def t(self, key: str, **values: Any) -> str:
        return to_plain(self.texts(key, **values))


class Services:
    """The application, built in the action server's own event loop."""

    def __init__(self, tenant_slug: str, app: App | None = None) -> None:
        self.tenant_slug = tenant_slug
        self.app = app

    async def start(self, *_: Any) -> None:
        if self.app is None:
            from bots.commands.run import _clock

            self.app = await bootstrap(clock=_clock())

    async def stop(self, *_: Any) -> None:
        if self.app is not None:
            await self.app.close()

    def context(self, tracker: Tracker) -> Context:
        assert self.app is not None, "the action server has not started"
        metadata = tracker.latest_message.get("metadata") or {}
        slug = str(metadata.get("tenant") or self.tenant_slug)
        tenant = self.app.tenants.get(slug) or self.app.tenants[self.tenant_slug]
        lang = str(metadata.get("language") or tenant.default_language)
        if lang not in tenant.languages:
            lang = tenant.default_language
        return Context(
            self.app, tenant, Texts(tenant, lang), f"rasa:{tenant.slug}:{tracker.sender_id}", lang
        )


def _values(tracker: Tracker, name: str) -> list[str]:
    """This message's entities of one type, else the slot of the same name."""
    found = [str(v) for v in tracker.get_latest_entity_values(name)]
    if found:
        return found
    slot = tracker.get_slot(name)
    if slot is None:
        return []
    return [str(v) for v in slot] if isinstance(slot, list) else [str(slot)]


def _need_id(tracker: Tracker) -> int | None:
    for raw in _values(tracker, "need_id"):
        try:
            return int(raw)
        except ValueError:
            continue
    shown = tracker.get_slot("shown_needs") or []
    return int(shown[0]) if shown else None


def _place(ctx: Context, tracker: Tracker) -> tuple[float, float, str] | None:
    for name in _values(tracker, "postcode") + _values(tracker, "place"):
        try:
            return ctx.app.places.resolve(name, ctx.tenant.slug)
        except DomainError:
            continue
    return None


def _cells(tracker: Tracker) -> tuple[str, ...]:
    days = [d for d in _values(tracker, "weekday") if d in DAYS]
    parts = [p for p in _values(tracker, "daypart") if p in DAYPARTS]
    if not days and not parts:
        return ()
    return tuple(f"{d}:{p}" for d in days or DAYS for p in parts or DAYPARTS)


def _button(title: str, intent: str, need_id: int) -> dict[str, str]:
    return {"title": title, "payload": f'/{intent}{{"need_id": "{need_id}"}}'}


async def _person(ctx: Context) -> PersonRef:
    person = await person_for_identity(ctx.app.db, ctx.identity, ctx.tenant.slug)
    if person is not None:
        return person
    return await register_with_consent(
        ctx.app.db,
        tenant_slug=ctx.tenant.slug,
        identity=ctx.identity,
        consent_version=ctx.tenant.privacy.consent_version,
        language=ctx.lang,
        now=ctx.app.now(),
    )


def _region_view(ctx: Context, person_id: int = 0) -> VolunteerView:
    lat, lon = ctx.tenant.region_center
    return VolunteerView(
        person_id=person_id,
        tenant_id=ctx.app.tenant_ids[ctx.tenant.slug],
        interests=frozenset(),
        qualifications=frozenset(),
        lat=lat,
        lon=lon,
        radius_km=ctx.tenant.region_radius_km,
        availability_mask=0,
    )


def _say_page(
    ctx: Context, dispatcher: CollectingDispatcher, page: CardPage, kind: str
) -> list[Any]:
    if not page.cards:
        dispatcher.utter_message(text=ctx.t(f"{kind}.none"))
        return [SlotSet("shown_needs", [])]
    cards = [
        to_plain(render.card(ctx.texts, ctx.app.taxonomy, i + 1, card))
        for i, card in enumerate(page.cards)
    ]
    buttons = [
        _button(f"{i + 1} · {card.need.title}", "need_detail", card.need.id)
        for i, card in enumerate(page.cards)
    ]
    dispatcher.utter_message(
        text=ctx.t(f"{kind}.header") + "\n\n" + "\n\n".join(cards), buttons=buttons
    )
    return [SlotSet("shown_needs", [str(c.need.id) for c in page.cards])]


class _OurAction(Action):
    action_name = ""

    def __init__(self, services: Services) -> None:
        self.services = services

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ctx = self.services.context(tracker)
        try:
            return await self.act(ctx, dispatcher, tracker)
        except DomainError as exc:  # a person's mistake: a friendly answer, nothing changed
            values = {k: escape(str(v)) for k, v in exc.params.items() if isinstance(v, str | int)}
            dispatcher.utter_message(text=ctx.t(exc.key, **values))
            return []

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        raise NotImplementedError


class ActionSearch(_OurAction):
    action_name = "action_search"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        taxonomy = ctx.app.taxonomy
        categories = tuple(c for c in _values(tracker, "category") if taxonomy.is_category(c))
        quals = tuple(q for q in _values(tracker, "qualification") if taxonomy.is_qualification(q))
        flt = SearchFilter(categories=categories, qualifications=quals)
        place = _place(ctx, tracker)
        if place is not None:
            flt = replace(flt, center=(place[0], place[1]))
        dates = sorted(_iso_dates(_values(tracker, "date")))
        if dates:
            flt = replace(flt, date_from=dates[0], date_to=dates[-1])
        person = await person_for_identity(ctx.app.db, ctx.identity, ctx.tenant.slug)
        profile = await get_profile(ctx.app.db, person.id) if person else None
        volunteer = profile.volunteer_view() if profile else _region_view(ctx)
        page = await _rank(ctx, volunteer, flt)
        return _say_page(ctx, dispatcher, page, "search")


def _iso_dates(raw: Iterable[str]) -> list[date]:
    out = []
    for value in raw:
        try:
            out.append(date.fromisoformat(value))
        except ValueError:
            continue
    return out


async def _rank(ctx: Context, volunteer: VolunteerView, flt: SearchFilter = NO_FILTER) -> CardPage:
    own = volunteer.tenant_id == ctx.app.tenant_ids[ctx.tenant.slug]
    return await matches_for_view(
        ctx.app.db,
        volunteer,
        ctx.app.now(),
        flt=flt,
        tz=ZoneInfo(ctx.tenant.timezone),
        limit=PAGE,
        show_neighbours=ctx.tenant.show_neighbours if own else None,
    )


class ActionShowMatches(_OurAction):
    """The profile from the form's slots (topics, place, days), then matches."""

    action_name = "action_show_matches"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        taxonomy = ctx.app.taxonomy
        interests = tuple(c for c in _values(tracker, "category") if taxonomy.is_category(c))
        place = _place(ctx, tracker)
        person = await _person(ctx)
        old = await get_profile(ctx.app.db, person.id)
        if interests or place is not None or old is None:
            if place is None and (old is None or old.home_lat is None):
                dispatcher.utter_message(text=ctx.t("matches.need_profile"))
                return [SlotSet("shown_needs", [])]
            cells = _cells(tracker)
            data = ProfileData(
                person_id=person.id,
                tenant_id=person.tenant_id,
                interests=interests or (old.interests if old else ()),
                qualifications=old.qualifications if old else (),
                home_lat=place[0] if place else old.home_lat if old else None,
                home_lon=place[1] if place else old.home_lon if old else None,
                home_label=place[2] if place else old.home_label if old else None,
                radius_km=old.radius_km if old else DEFAULT_RADIUS_KM,
                availability=cells or (old.availability if old else ()),
                spontaneous=old.spontaneous if old else False,
            )
            await save_profile(ctx.app.db, data, taxonomy, ctx.app.now())
        else:
            data = old
        page = await _rank(ctx, data.volunteer_view())
        return _say_page(ctx, dispatcher, page, "matches")


class ActionNeedDetail(_OurAction):
    action_name = "action_need_detail"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        need_id = _need_id(tracker)
        if need_id is None:
            dispatcher.utter_message(text=ctx.t("error.unknown_need"))
            return []
        now = ctx.app.now()
        # As the chat's detail: hidden, unpublished or another municipality's
        # needs are "unknown" (``DomainError``: its text), one over has no sign-up.
        need = await need_to_show(
            ctx.app.db, need_id, tenant_id=ctx.app.tenant_ids[ctx.tenant.slug], now=now
        )
        text = to_plain(render.detail(ctx.texts, ctx.app.taxonomy, need, None, now))
        buttons = (
            [_button(ctx.t("need.signup"), "sign_up", need.id)]
            if render.signup_open(need, now)
            else []
        )
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("need_id", str(need.id))]


class ActionSignUp(_OurAction):
    action_name = "action_sign_up"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        need_id = _need_id(tracker)
        if need_id is None:
            dispatcher.utter_message(text=ctx.t("error.unknown_need"))
            return []
        now = ctx.app.now()
        tenant_id = ctx.app.tenant_ids[ctx.tenant.slug]
        try:
            need = await need_for_volunteer(ctx.app.db, need_id, tenant_id=tenant_id, now=now)
        except NeedNotOpen:  # "Termin vorbei" as in the chat, else the error's text
            over = await need_to_show(ctx.app.db, need_id, tenant_id=tenant_id, now=now)
            dispatcher.utter_message(text=ctx.t("signup.date_passed", title=escape(over.title)))
            return []
        person = await _person(ctx)
        result = await sign_up(ctx.app.db, person.id, need_id, now)
        if result.waitlisted:
            text = ctx.t("signup.waitlisted", title=escape(need.title),
                         position=result.waitlist_position or 1)  # fmt: skip
        else:
            text = ctx.t(
                "signup.done", title=escape(need.title), organisation=escape(need.organisation)
            )
        dispatcher.utter_message(
            text=text, json_message={"need_id": need_id, "waitlisted": result.waitlisted}
        )
        return [SlotSet("need_id", str(need_id))]


class ActionMyEngagements(_OurAction):
    action_name = "action_my_engagements"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        person = await person_for_identity(ctx.app.db, ctx.identity, ctx.tenant.slug)
        items = await engagements_of(ctx.app.db, person.id) if person else []
        if not items:
            dispatcher.utter_message(text=ctx.t("engagements.none"))
            return []
        lines = []
        buttons = []
        for number, item in enumerate(items, start=1):
            flag = f" ({ctx.t('engagements.waitlisted')})" if item.waitlisted else ""
            lines.append(f"{number}. {item.title}{flag}")
            buttons.append(
                _button(ctx.t("engagements.withdraw", number=number), "withdraw", item.need_id)
            )
        dispatcher.utter_message(
            text=ctx.t("engagements.header") + "\n" + "\n".join(lines), buttons=buttons
        )
        return []


class ActionWithdraw(_OurAction):
    action_name = "action_withdraw"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        need_id = _need_id(tracker)
        person = await person_for_identity(ctx.app.db, ctx.identity, ctx.tenant.slug)
        items = await engagements_of(ctx.app.db, person.id) if person else []
        engagement = next((e for e in items if e.need_id == need_id), None)
        if person is None or engagement is None:
            dispatcher.utter_message(text=ctx.t("error.unknown_engagement"))
            return []
        await withdraw(ctx.app.db, person.id, engagement.id, ctx.app.now())
        dispatcher.utter_message(text=ctx.t("withdraw.done"))
        return []


# "Ich habe Feedback", "I want to give feedback": says there is some, is none.
_ONLY_ANNOUNCES = re.compile(
    r"^\s*(?:ich\s+)?(?:habe|hab|hätte|möchte|will|würde\s+gern(?:e)?|i\s+(?:have|want|would"
    r"\s+like|'d\s+like)\s*(?:to)?)?\s*(?:(?:ein(?:e[nm]?)?|some|a)\s+)?"
    r"(?:feedback|rückmeldung|rueckmeldung|vorschlag|anregung|suggestion)"
    r"(?:\s+(?:geben|loswerden|machen|give|leave))?\s*[.!]?\s*$",
    re.IGNORECASE,
)


class ActionFeedback(_OurAction):
    """Feedback is kept as in our own bot (``core.services.feedback``): only
    for a person who consented, for the tenant's editors, anonymised on erasure."""

    action_name = "action_feedback"

    async def act(
        self, ctx: Context, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[Any]:
        tenant = escape(ctx.tenant.name)
        person = await person_for_identity(ctx.app.db, ctx.identity, ctx.tenant.slug)
        if person is None:
            dispatcher.utter_message(text=ctx.t("feedback.no_consent", tenant=tenant))
            return []
        text = str(tracker.latest_message.get("text") or "")
        body = carried(text) or ("" if _ONLY_ANNOUNCES.match(text) else text.strip())
        if not body:
            dispatcher.utter_message(text=ctx.t("feedback.ask", tenant=tenant))
            return []
        await keep_feedback(
            ctx.app.db, person_id=person.id, channel="rasa", language=ctx.lang, body=body,
            now=ctx.app.now(),
        )  # fmt: skip
        dispatcher.utter_message(text=ctx.t("feedback.saved", tenant=tenant))
        return []


ACTIONS: tuple[type[_OurAction], ...] = (
    ActionFeedback,
    ActionSearch,
    ActionShowMatches,
    ActionNeedDetail,
    ActionSignUp,
    ActionMyEngagements,
    ActionWithdraw,
)


def executor(services: Services) -> ActionExecutor:
    out = ActionExecutor()
    for action in ACTIONS:
        out.register_action(action(services))
    return out


def create_action_app(services: Services) -> Any:
    from rasa_sdk.endpoint import create_app

    app = create_app(executor(services), cors_origins=[])
    app.register_listener(services.start, "before_server_start")
    app.register_listener(services.stop, "after_server_stop")
    return app


def serve(tenant_slug: str, host: str, port: int) -> int:
    app = create_action_app(Services(tenant_slug))
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
    return 0
