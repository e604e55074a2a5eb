"""Rendering replies as Matrix contents and reading people's answers (no server)."""

from __future__ import annotations

import pytest

from bots.matrix import render
from dialogue.choices import press
from dialogue.messages import Attachment, Button, Location, Reply

OFFERED = [("🌳 Umwelt", "cat:umwelt"), ("Senioren & Pflege", "cat:senioren")]


def test_reply_has_html_and_plain_body_with_numbered_buttons() -> None:
    reply = Reply(
        "<b>Tafel &amp; Co</b>\nmorgen",
        buttons=(Button("Ich <helfe>", "need:7:signup"), Button("Später", "later")),
    )
    content = render.message_content(reply)
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == (
        "<b>Tafel &amp; Co</b><br>morgen<ol><li>Ich &lt;helfe&gt;</li><li>Später</li></ol>"
    )
    assert content["body"] == "Tafel & Co\nmorgen\n\n1. Ich <helfe>\n2. Später"


def test_location_request_adds_the_hint() -> None:
    content = render.message_content(Reply("Wo?", request_location=True), location_hint="📍 Ort")
    assert content["body"] == "Wo?\n\n📍 Ort"


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("1", "cat:umwelt"),
        (" 2. ", "cat:senioren"),
        ("2)", "cat:senioren"),
        ("umwelt", "cat:umwelt"),
        ("🌳 UMWELT!", "cat:umwelt"),
        ("senioren &  pflege", "cat:senioren"),
        ("3", None),
        ("0", None),
        ("Umwelt und mehr", None),
        ("", None),
    ],
)
def test_number_or_label_presses_the_offered_button(typed: str, payload: str | None) -> None:
    assert press(typed, OFFERED) == payload


def test_nothing_is_pressed_when_nothing_was_offered() -> None:
    assert press("1", []) is None


def test_labels_with_their_own_numbers_are_bulleted_not_numbered() -> None:
    """At the radius prompt "5" means 5 km (``dialogue.choices``), so the list
    shows no position numbers a person could take for button numbers."""
    radius = Reply(
        "Wie weit?",
        buttons=(
            *(Button(f"{km} km", f"f:radius:{km}") for km in (2, 5, 10, 25)),
            Button("Zurück", "nav:back"),
            Button("Abbrechen", "nav:cancel"),
        ),
    )
    content = render.message_content(radius)
    assert content["body"] == "Wie weit?\n\n• 2 km\n• 5 km\n• 10 km\n• 25 km\n• Zurück\n• Abbrechen"
    assert str(content["formatted_body"]).endswith(
        "<ul><li>2 km</li><li>5 km</li><li>10 km</li>"
        "<li>25 km</li><li>Zurück</li><li>Abbrechen</li></ul>"
    )
    # what a typed answer in the room presses, by the channel's own path
    offered = render.offer([radius])
    for typed, payload in (("5", "f:radius:5"), ("5.", "f:radius:5"), ("zurück", "nav:back")):
        incoming = render.typed(typed, offered, identity="matrix:@u:x", tenant="aachen")
        assert incoming is not None and incoming.button == payload, typed


def test_an_earlier_offer_of_the_turn_is_bulleted() -> None:
    content = render.message_content(
        Reply("Oder:", buttons=(Button("Hilfe", "help"),)), pressable=False
    )
    assert content["body"] == "Oder:\n\n• Hilfe"


@pytest.mark.parametrize(
    ("uri", "location"),
    [
        ("geo:50.7606,6.0939", Location(50.7606, 6.0939)),
        ("geo:50.7606,6.0939;u=35", Location(50.7606, 6.0939)),
        ("geo:-33.9,18.4", Location(-33.9, 18.4)),
        ("geo:91,6", None),
        ("https://example.org", None),
    ],
)
def test_geo_uri(uri: str, location: Location | None) -> None:
    assert render.parse_geo_uri(uri) == location


def test_commands_use_the_engines_german_names() -> None:
    assert render.parse_command("!start need_42") == ("start", "need_42")
    assert render.parse_command("!help") == ("hilfe", "")
    assert render.parse_command("!Hilfe") == ("hilfe", "")
    assert render.parse_command("Hilfe!") is None


def test_reply_fallback_and_mentions_are_cut() -> None:
    assert render.strip_reply_fallback("> <@bot:x> Was interessiert dich?\n\nUmwelt") == "Umwelt"
    assert render.strip_mention("Engagement-Bot Aachen: hallo", ["Engagement-Bot Aachen"]) == (
        "hallo"
    )


def test_mention_by_id_pill_name_or_m_mentions() -> None:
    names = ["Engagement-Bot Aachen"]
    assert render.mentions("hi", "", {"user_ids": ["@bot:x"]}, "@bot:x", names)
    assert render.mentions("@bot:x hi", "", None, "@bot:x", names)
    assert render.mentions(
        "hi", '<a href="https://matrix.to/#/@bot:x">B</a>', None, "@bot:x", names
    )
    assert render.mentions("engagement-bot aachen, hi", "", None, "@bot:x", names)
    assert not render.mentions("Wer hat Zeit?", "", {"user_ids": ["@ben:x"]}, "@bot:x", names)


def test_encrypted_file_uses_file_instead_of_url() -> None:
    ics = Attachment("termin.ics", "text/calendar", b"BEGIN:VCALENDAR")
    plain = render.file_content(ics, "mxc://x/1", None)
    assert plain["url"] == "mxc://x/1" and "file" not in plain
    keys = {"key": {"k": "…"}, "iv": "…", "hashes": {"sha256": "…"}, "v": "v2"}
    encrypted = render.file_content(ics, "mxc://x/2", keys)
    assert "url" not in encrypted and encrypted["file"] == {"url": "mxc://x/2", **keys}
    assert encrypted["info"] == {"mimetype": "text/calendar", "size": 15}


def test_typed_text_is_a_command_a_press_or_text() -> None:
    def read(text: str, offer: list[tuple[str, str]] = OFFERED) -> object:
        event = render.typed(text, offer, identity="matrix:@a:x", tenant="aachen")
        return event and (event.command or event.button or event.text)

    assert read("!hilfe") == "hilfe"
    assert read("2") == "cat:senioren"
    assert read("2", []) == "2"  # a group room: nothing to press, the number is text
    assert read("Hallo") == "Hallo"
    assert read("   ") is None
