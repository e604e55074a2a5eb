"""When a changed need no longer fits a signed-up person (issue 14.6): a
truth table of ``needs.unfit_after_change``. Heinrich is free on Wednesday
afternoons and lives in Burtscheid with a 5 km radius."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.models import VolunteerProfile
from core.schedule import mask_of
from core.services.needs import NeedFit, unfit_after_change

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
BURTSCHEID = (50.7606, 6.0939)
STOLBERG = (50.7702, 6.2274)  # about 9.5 km east

WED = ("mi:nachmittag",)
SAT = ("sa:vormittag",)


def heinrich(cells: tuple[str, ...] = WED) -> VolunteerProfile:
    return VolunteerProfile(
        person_id=1,
        availability_mask=mask_of(cells),
        spontaneous=False,
        home_lat=BURTSCHEID[0],
        home_lon=BURTSCHEID[1],
        radius_km=5.0,
    )


def fit(
    cells: tuple[str, ...], at: tuple[float, float] = BURTSCHEID, remote: bool = False
) -> NeedFit:
    return NeedFit(mask_of(cells), None, remote, at[0], at[1])


@pytest.mark.parametrize(
    ("before", "after", "profile", "broken"),
    [
        (fit(WED), fit(SAT), heinrich(), ["time"]),  # moved out of his week
        (fit(WED), fit(WED), heinrich(), []),  # no change
        (fit(SAT), fit(("so:vormittag",)), heinrich(), []),  # never fitted: not the change
        (fit(WED), fit(SAT), heinrich(cells=()), []),  # said nothing about his week
        (fit(WED), fit(WED, STOLBERG), heinrich(), ["place"]),  # out of his radius
        (fit(WED), fit(SAT, STOLBERG), heinrich(), ["time", "place"]),
        (fit(WED), fit(WED, STOLBERG, remote=True), heinrich(), []),  # remote fits anywhere
        (fit(WED), fit(SAT), None, []),  # no profile: nothing to compare
    ],
)
def test_what_a_change_broke(
    before: NeedFit, after: NeedFit, profile: VolunteerProfile | None, broken: list[str]
) -> None:
    assert unfit_after_change(before, after, profile, NOW) == broken
