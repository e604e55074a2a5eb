"""The flows: forms with slots (``form.py``), one module per flow."""

from __future__ import annotations

from dialogue.flows import (
    data,
    display_name,
    matches,
    needs,
    onboarding,
    org_needs,
    post_need,
    search,
    settings,
)
from dialogue.flows.form import Form

FORMS: dict[str, Form] = {
    onboarding.FORM.name: onboarding.FORM,
    search.FORM.name: search.FORM,
    post_need.FORM.name: post_need.FORM,
    display_name.FORM.name: display_name.FORM,
}

__all__ = [
    "FORMS",
    "data",
    "display_name",
    "matches",
    "needs",
    "onboarding",
    "org_needs",
    "post_need",
    "search",
    "settings",
]
