"""ICS feeds of published needs for the public pages (``core.calendar``
builds them; this module only says where each need's page is). ``facts``
(``core.services.timeline.ics_facts``) carry each entry's SEQUENCE, a weekly
series' end (UNTIL) and STATUS:CANCELLED, so subscribed calendars follow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from core.calendar import IcsFacts, calendar_ics
from core.services.needs import NeedDetail


def feed_ics(
    needs: Sequence[NeedDetail],
    *,
    name: str,
    tz_name: str,
    stamp: datetime,
    base_url: str,
    facts: Mapping[int, IcsFacts] | None = None,
) -> bytes:
    return calendar_ics(
        needs,
        tz_name=tz_name,
        stamp=stamp,
        name=name,
        url_of=lambda need: f"{base_url}/t/{need.tenant_slug}/needs/{need.id}",
        facts=facts,
    )
