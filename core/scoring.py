"""The numbers of the score, in one place: the Python scoring
(``core.matching.score``, ``core.schedule.time_fit``) and the SQL that ranks
by an upper bound of it (``core.search``, ``core.fanout``) both read them
from here, so a changed weight changes both.
``tests/core/test_scoring.py`` checks that the database and Python compute the
same score terms for the same needs.

A score is

    W_CATEGORY * category share   (1 for a chosen topic, NO_INTEREST_SHARE
                                   when none was named, else 0)
  + W_DISTANCE * distance share   (1 at the person's place, 0 at the radius;
                                   REMOTE_DISTANCE_SHARE for remote needs)
  + W_TIME * time fit             (share of the need's cells the person has
                                   free; FIT_FLEXIBLE for a need without fixed
                                   time, FIT_UNKNOWN_WEEK when the person said
                                   nothing about time, FIT_SPONTANEOUS for a
                                   spontaneous person and a need within
                                   SHORT_NOTICE)
  + W_URGENT if urgent
  + W_FRESH * freshness           (1 when just published, 0 after FRESH_DAYS)
  + W_LOCAL if the need is of the person's own municipality
  - W_REQUIREMENT if the need asks for a qualification not mentioned
  + WORD_IN_TITLE / WORD_IN_DESCRIPTION in a search by a word the need holds
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

# Interests come first: a need in a category the person chose outranks every
# need of a topic they did not choose, however close or well-timed; the list
# shows what they asked for (issue 10: >= 0.90 of the top 5 fit a stated
# interest). So it outweighs all the other terms together, requirement
# included: W_CATEGORY - W_REQUIREMENT > W_DISTANCE + W_TIME + W_URGENT
# + W_FRESH + W_LOCAL (0.66 > 0.65; tests/core/test_matching.py checks it).
W_CATEGORY: Final = 0.70
# Nearer is better, decaying linearly to zero at the edge of the radius.
W_DISTANCE: Final = 0.25
# The share of the need's time the person said they have.
W_TIME: Final = 0.25
# Urgent needs rise so they fill in time, but never outrank a poor fit by much.
W_URGENT: Final = 0.05
# Freshly published needs get a small lift (decays over FRESH_DAYS).
W_FRESH: Final = 0.05
FRESH_DAYS: Final = 14
# Needs of the person's own municipality rank before equal ones of neighbours.
W_LOCAL: Final = 0.05
# A need asking for a qualification the person has not mentioned is still
# shown (organisations ask for the erweitertes Führungszeugnis after the first
# contact, and it is free for volunteers), a little below an equal need they
# can start right away. Applied once per need, however many are unmentioned;
# small enough that a topic they chose still outranks every other topic.
W_REQUIREMENT: Final = 0.04
# A remote need counts as this close (it has no distance).
REMOTE_DISTANCE_SHARE: Final = 0.6
# With no interests stated, every category counts half.
NO_INTEREST_SHARE: Final = 0.5

# Time fit (``core.schedule.time_fit``), 0..1:
# a need with no fixed time (flexible): anyone can fit it in, nearly fully;
FIT_FLEXIBLE: Final = 0.75
# a person who said nothing about their week is neutral;
FIT_UNKNOWN_WEEK: Final = 0.5
# a spontaneous person fits anything starting within SHORT_NOTICE.
FIT_SPONTANEOUS: Final = 1.0
SHORT_NOTICE: Final = timedelta(hours=48)

MAX_SCORE: Final = W_CATEGORY + W_DISTANCE + W_TIME + W_URGENT + W_FRESH + W_LOCAL

# A search by a word ("Fahrdienst", ``core.search_words``): a need whose title
# or organisation holds it is about it and comes before every need that does
# not, whatever its topic; one whose description holds it comes before the
# needs that only share the word's topic. Each lift is larger than any score
# (MAX_SCORE), so the tiers never mix and the usual score orders each tier.
WORD_IN_DESCRIPTION: Final = 2.0
WORD_IN_TITLE: Final = 4.0

__all__ = [
    "FIT_FLEXIBLE",
    "FIT_SPONTANEOUS",
    "FIT_UNKNOWN_WEEK",
    "FRESH_DAYS",
    "MAX_SCORE",
    "NO_INTEREST_SHARE",
    "REMOTE_DISTANCE_SHARE",
    "SHORT_NOTICE",
    "WORD_IN_DESCRIPTION",
    "WORD_IN_TITLE",
    "W_CATEGORY",
    "W_DISTANCE",
    "W_FRESH",
    "W_LOCAL",
    "W_REQUIREMENT",
    "W_TIME",
    "W_URGENT",
]
