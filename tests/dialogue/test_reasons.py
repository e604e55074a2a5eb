"""The reasons under a match: a time that does not fit the person's week is
named concretely ("Mi statt Sa", "Sa abends statt vormittags")."""

from __future__ import annotations

from core.matching import Reason
from core.taxonomy import Taxonomy
from core.tenants import TenantConfig
from dialogue.render import reasons_line
from dialogue.texts import Texts


def test_a_time_that_does_not_fit_is_named_against_the_free_one(
    tenants: dict[str, TenantConfig],
) -> None:
    taxonomy = Taxonomy.load()
    other_day = (Reason("distance", 0.3), Reason("other_time", "mi:vormittag|sa:vormittag"))
    other_part = (Reason("other_time", "sa:abend|sa:vormittag"),)
    de, en = Texts(tenants["aachen"], "de"), Texts(tenants["aachen"], "en")
    assert reasons_line(de, taxonomy, other_day) == "0,3 km · Mi statt Sa"
    assert reasons_line(de, taxonomy, other_part) == "Sa abends statt vormittags"
    assert reasons_line(en, taxonomy, other_day) == "0.3 km · Wed instead of Sat"
    assert reasons_line(en, taxonomy, other_part) == "Sat evening instead of morning"
