"""A "Sie" municipality's people are never addressed with "du" on the web.

Every German web text (``data/texts/web/de.yml``) that speaks to the reader
with a du-form word has a Sie variant, no Sie variant says "du", and both
forms carry the same placeholders and markup. Stolberg (``address_form =
"Sie"``) shows its public pages and tells its volunteers in Sie; Aachen
("du") says du on its public pages and in its chat, while the pages for
organisations and the Redaktion stay in Sie everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bots.web.i18n import WebTexts, catalogue
from bots.web.pages import TEMPLATES_DIR
from core.services.needs import moderate
from core.services.people import register_with_consent
from core.services.signup import sign_up
from core.tenants import TenantConfig
from dialogue.texts import placeholders
from tests.bots.web.conftest import Web
from tests.bots.web.helpers import csrf_of, post_need, sign_up_organisation
from tests.fakes import RecordingNotifier

DU_WORDS = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)
# Formal address; case-sensitive, so "sie"/"ihre" (she, they, their) inside a
# sentence pass. A du text should not open a sentence with "Sie" for "they".
SIE_WORDS = re.compile(r"\b(Sie|Ihr|Ihre|Ihrer|Ihren|Ihrem|Ihres|Ihnen)\b")
TAG = re.compile(r"</?[a-z]+\b[^>]*>")
BERLIN = ZoneInfo("Europe/Berlin")


def _web_de() -> dict[str, Any]:
    return catalogue("de")


def test_every_du_text_has_a_sie_variant() -> None:
    missing = [
        key
        for key, value in _web_de().items()
        if not isinstance(value, Mapping) and DU_WORDS.search(str(value))
    ]
    missing += [
        key
        for key, value in _web_de().items()
        if isinstance(value, Mapping) and not value.get("Sie")
    ]
    assert not missing, f"data/texts/web/de.yml: du texts without a Sie variant: {missing}"


def test_no_sie_variant_says_du() -> None:
    slips = {
        key: DU_WORDS.findall(str(value["Sie"]))
        for key, value in _web_de().items()
        if isinstance(value, Mapping) and DU_WORDS.search(str(value.get("Sie", "")))
    }
    assert not slips, f"data/texts/web/de.yml: Sie variants with du-form words: {slips}"


def test_both_forms_have_the_same_placeholders_and_markup() -> None:
    for key, value in _web_de().items():
        if not isinstance(value, Mapping):
            continue
        assert set(value) == {"du", "Sie"}, key
        du, sie = str(value["du"]), str(value["Sie"])
        assert placeholders(du) == placeholders(sie), key
        assert sorted(TAG.findall(du)) == sorted(TAG.findall(sie)), key


def test_the_tenant_form_picks_the_variant(tenants: dict[str, TenantConfig]) -> None:
    stolberg, aachen = tenants["stolberg"], tenants["aachen"]
    assert (stolberg.address_form, aachen.address_form) == ("Sie", "du")
    sie = WebTexts("de", BERLIN, stolberg.address_form)
    du = WebTexts("de", BERLIN, aachen.address_form)
    slips = {key: sie(key) for key in sorted(_web_de()) if DU_WORDS.search(sie(key))}
    assert not slips, slips
    assert "senden Sie" in sie("http.503.body")
    assert "sende deine" in du("http.503.body")
    # English has no address forms; a German-only mapping still gives a text.
    assert "send it again" in WebTexts("en", BERLIN, "Sie")("http.503.body")


# The templates volunteers and citizens see (public.py, chat.py) and the keys
# they use; the pages of org.py, editor.py and accounts.py are not among them.
PUBLIC_TEMPLATES = (
    "base.html",
    "list.html",
    "need.html",
    "offers.html",
    "calendars.html",
    "chat.html",
    "_chat.html",
    "embed_chat.html",
)
# Public keys the organisation forms share, so they stay in Sie: the list's
# place filter reuses the need form's "Meinten Sie …?".
SHARED_WITH_ORGANISATIONS = frozenset({"need_form.suggestions"})


def _public_keys() -> set[str]:
    keys: set[str] = set()
    for name in PUBLIC_TEMPLATES:
        source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        keys.update(re.findall(r"\bt\('([a-z0-9_.]+)'", source))
    return keys


def test_du_public_texts_do_not_say_sie() -> None:
    keys = _public_keys()
    assert {"list.title", "need.sign_up_intro", "chat.your_message"} <= keys
    du = WebTexts("de", BERLIN, "du")
    sie = WebTexts("de", BERLIN, "Sie")
    slips = {
        key: du(key)
        for key in sorted(keys - SHARED_WITH_ORGANISATIONS)
        if SIE_WORDS.search(du(key))
    }
    assert not slips, f"data/texts/web/de.yml: public texts with Sie in the du form: {slips}"
    assert (du("list.title"), sie("list.title")) == (
        "Ehrenamt in deiner Nähe",
        "Ehrenamt in Ihrer Nähe",
    )


def _words(html: str) -> str:
    """What a reader sees: text without tags, scripts or attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


async def _stolberg_need(web: Web) -> int:
    client = await sign_up_organisation(
        web, email="buergerhaus@example.org", name="Bürgerhaus Stolberg", tenant="stolberg"
    )
    return await post_need(web, client, tenant="stolberg", place="Atsch")


async def test_stolberg_public_pages_say_sie(web_app: Web):
    need_id = await _stolberg_need(web_app)
    for path in ("/t/stolberg/", f"/t/stolberg/needs/{need_id}", "/t/stolberg/chat"):
        page = await web_app.client.get(path, headers={"accept-language": "de"})
        assert page.status_code == 200, path
        seen = _words(page.text)
        assert not DU_WORDS.findall(seen), (path, DU_WORDS.findall(seen))
    need_page = await web_app.client.get(f"/t/stolberg/needs/{need_id}")
    assert "Melden Sie sich im Chat an" in need_page.text
    listing = await web_app.client.get("/t/stolberg/", headers={"accept-language": "de"})
    assert "Ehrenamt in Ihrer Nähe" in listing.text


def _own_words(html: str, *foreign: str) -> str:
    """The words a public page's template says itself: without the bot's
    lines and buttons (``dialogue.texts``), the municipality's description
    and what organisations wrote (their name, a need's title and text)."""
    html = re.sub(r'<div class="bubble">.*?</div>', " ", html, flags=re.S)
    html = re.sub(r'<form [^>]*class="choices".*?</form>', " ", html, flags=re.S)
    html = re.sub(r'<p class="lead">.*?</p>', " ", html, flags=re.S)
    seen = _words(html)
    for text in foreign:
        seen = seen.replace(text, " ")
    return seen


async def test_aachen_public_pages_say_du(web_app: Web):
    client = await sign_up_organisation(web_app)
    need_id = await post_need(web_app, client)
    await moderate(
        web_app.app.db, need_id, approve=True, reason=None, actor="test", now=web_app.clock.now()
    )
    visitor = web_app.new_client()
    headers = {"accept-language": "de"}
    assert (await visitor.get("/t/aachen/chat", headers=headers)).status_code == 200
    said = await visitor.post(
        "/t/aachen/chat",
        data={"csrf": await csrf_of(visitor, "/t/aachen/chat"), "text": "Hallo"},
        headers=headers,
    )
    assert said.status_code == 303
    pages = {}
    for path in (
        "/t/aachen/",
        f"/t/aachen/needs/{need_id}",
        "/t/aachen/chat",
        "/embed/t/aachen/chat",
        "/t/aachen/offers",
        "/t/aachen/calendars",
    ):
        page = await visitor.get(path, headers=headers)
        assert page.status_code == 200, path
        pages[path] = page.text
        seen = _own_words(
            page.text, "Aachener Tafel", "Helfende für die Tafel-Ausgabe", "Lebensmittel ausgeben."
        )
        assert not SIE_WORDS.findall(seen), (path, SIE_WORDS.findall(seen))
    assert "Ehrenamt in deiner Nähe" in pages["/t/aachen/"]
    assert "Melde dich im Chat an" in pages[f"/t/aachen/needs/{need_id}"]
    assert "Deine Nachricht" in pages["/t/aachen/chat"]
    assert "Du:" in pages["/t/aachen/chat"]
    assert "Hallo" in pages["/t/aachen/chat"]


async def _accept_a_volunteer(web: Web, tenant: str, name: str, place: str) -> RecordingNotifier:
    notifier = RecordingNotifier("telegram")
    web.app.notifiers["telegram"] = notifier
    client = await sign_up_organisation(
        web, email=f"{tenant}@example.org", name=name, tenant=tenant
    )
    need_id = await post_need(web, client, tenant=tenant, place=place)
    if web.app.tenants[tenant].moderation_required:
        await moderate(
            web.app.db, need_id, approve=True, reason=None, actor="test", now=web.clock.now()
        )
    person = await register_with_consent(
        web.app.db,
        tenant_slug=tenant,
        identity=f"telegram:{tenant}",
        consent_version="2026-11",
        language="de",
        now=web.clock.now(),
        display_name="Heinrich",
    )
    result = await sign_up(web.app.db, person.id, need_id, web.clock.now())
    token = await csrf_of(client, f"/t/{tenant}/org/needs/{need_id}")
    response = await client.post(
        f"/t/{tenant}/org/needs/{need_id}/signups/{result.engagement_id}/accept",
        data={"csrf": token},
    )
    assert response.status_code == 303
    await web.deliver()
    return notifier


async def test_stolberg_volunteer_is_told_in_sie(web_app: Web):
    notifier = await _accept_a_volunteer(web_app, "stolberg", "Bürgerhaus Stolberg", "Atsch")
    [(tenant, identity, [reply])] = notifier.sent
    assert (tenant, identity) == ("stolberg", "telegram:stolberg")
    assert "freut sich auf Sie" in reply.text
    assert not DU_WORDS.search(_words(reply.text))


async def test_aachen_volunteer_is_still_told_in_du(web_app: Web):
    notifier = await _accept_a_volunteer(web_app, "aachen", "Aachener Tafel", "Burtscheid")
    [(_, _, [reply])] = notifier.sent
    assert "freut sich auf dich" in reply.text
