"""The flows: forms with slots (``form.py``), one module per flow."""

from __future__ import annotations

from dialogue.flows import data, matches, needs, onboarding, post_need, search, settings
from dialogue.flows.form import Form

FORMS: dict[str, Form] = {
    onboarding.FORM.name: onboarding.FORM,
    search.FORM.name: search.FORM,
    post_need.FORM.name: post_need.FORM,
}

__all__ = ["FORMS", "data", "matches", "needs", "onboarding", "post_need", "search", "settings"]
