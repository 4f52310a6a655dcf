"""Players' moves matter (issue 13): a team's policy shows against the model playing alone.

A 12-turn seminar from the baseline, over 16 seeds: the team playing Iran "distances" itself
from Russia every turn (or "deepens"), the model plays everyone else and Iran's other cells.
The model alone is the same seed with no player (`test_seminar.py` checks that a game in
which every proposal is accepted is exactly the model alone). Medians over seeds, with the
issue's bars: distancing moves Iran->Russia by -0.15 or more, deepening gives a visible rise
(+0.05 or more), and the expected effect of a significant move that the seminar shows is at
least twice the standard deviation of a month's noise on the dyad.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.actions import Dyadic
from sim.runs.ensemble import run_batched
from sim.seminar import Session, SessionError

TURNS = 12
SEEDS = range(100, 116)


def _against_the_model_alone(seed: int, move: str) -> float:
    s = Session.create("baseline", seed)
    s.assign("IRN", "blue")
    for _ in range(TURNS):
        if s.phase == "resolved":
            s.advance_phase()
        s.submit_move("blue", "IRN", dyadic={"RUS": move})
        s.advance_phase()
        s.advance_phase()
        s.resolve_turn()
    alone = run_batched(s.world, np.array([seed], dtype=np.uint64), keep_terms=False,
                        months=TURNS)
    i, j = s.world.roster.index("IRN"), s.world.roster.index("RUS")
    return float(s.alignment_history()[TURNS, i, j] - alone.alignment[TURNS, 0, i, j])


@pytest.fixture(scope="module")
def effects() -> dict[str, list[float]]:
    return {move: [_against_the_model_alone(seed, move) for seed in SEEDS]
            for move in ("distance", "deepen")}


def test_a_year_of_distancing_moves_iran_away_from_russia(effects):
    assert np.median(effects["distance"]) <= -0.15, np.round(effects["distance"], 3)


def test_a_year_of_deepening_gives_a_visible_rise(effects):
    assert np.median(effects["deepen"]) >= 0.05, np.round(effects["deepen"], 3)


def test_the_shown_effect_of_a_move_stands_above_a_month_of_noise():
    """The seminar's expected effect of each significant move Iran can make towards Russia
    in the first month, against twice the standard deviation of a month's noise on the
    dyad (noise_sd in latent units, times the slope of tanh there)."""
    s = Session.create("baseline", 7)
    s.assign("IRN", "blue")
    ids, a = s.world.roster.ids, s.state.alignment[0]
    for move in ("distance", "deepen", "diplomatic_cover", "transfer_arms"):
        (effect,) = s.expected_effects("IRN", dyadic={"RUS": move})
        if effect.move == effect.versus:
            continue  # already Iran's policy: no departure to show
        src, dst, change = max(effect.changes, key=lambda c: abs(c[2]))
        slope = 1.0 - a[ids.index(src), ids.index(dst)] ** 2
        month_noise = s.world.p.noise_sd * slope
        assert abs(change) >= 2.0 * month_noise, (move, src, dst, change, month_noise)


def test_a_player_makes_at_most_max_moves_departures_a_month():
    s = Session.create("baseline", 7)
    s.assign("IRN", "blue")
    limit = int(s.world.p.max_moves)
    partners = ["RUS", "CHN", "USA", "EU", "IND"][: limit + 1]
    with pytest.raises(SessionError, match="max_moves"):
        s.submit_move("blue", "IRN", dyadic=dict.fromkeys(partners, "deepen"))
    s.submit_move("blue", "IRN", dyadic=dict.fromkeys(partners[:limit], "deepen"))


@pytest.mark.parametrize("seed", [5, 14, 20, 25])  # seeds where, unbudgeted, Iran made 3
def test_a_players_moves_and_the_models_stay_within_the_limit_together(seed):
    """The model plays the cells a player leaves, within what the player's moves leave of
    the actor's budget: Iran makes at most max_moves departures from maintain in the month,
    whoever chose them."""
    s = Session.create("baseline", seed)
    s.assign("IRN", "blue")
    limit = int(s.world.p.max_moves)
    s.submit_move("blue", "IRN", dyadic={"RUS": "distance"})
    s.advance_phase()
    s.advance_phase()
    s.resolve_turn()
    i = s.world.roster.index("IRN")
    taken = s._turns[-1].result.dyadic[0, i]
    departures = int((np.delete(taken, i) != Dyadic.MAINTAIN).sum())
    assert departures <= limit, departures
    assert taken[s.world.roster.index("RUS")] == Dyadic.DISTANCE
