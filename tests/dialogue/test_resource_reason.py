"""A resource offer's reason reads as the issue asks: "Transporter passt zu:
Umzugshilfe" / "Van fits: moving help", first in the line."""

from __future__ import annotations

from typing import Any

from core.matching import Reason
from core.taxonomy import Taxonomy
from dialogue.render import reasons_line
from dialogue.texts import Texts


def test_the_resource_reason_in_german_and_english(tenants: Any) -> None:
    reasons = (Reason("resource", "van:moving"), Reason("distance", 2.1))
    taxonomy = Taxonomy.load()
    german = reasons_line(Texts(tenants["aachen"], "de"), taxonomy, reasons)
    english = reasons_line(Texts(tenants["aachen"], "en"), taxonomy, reasons)
    assert german.startswith("Transporter passt zu: Umzugshilfe · 2,1 km"), german
    assert english.startswith("Van fits: moving help · 2.1 km"), english
    # A value no longer in data/resources.yml says nothing rather than a code.
    assert (
        reasons_line(Texts(tenants["aachen"], "de"), taxonomy, (Reason("resource", "boat:x"),))
        == ""
    )
