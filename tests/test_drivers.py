"""Each driver moves the target the way its theory says, on small hand-made worlds.

Every test isolates one driver: it computes that driver's contribution to the target
directly on a hand-set state (`worlds.driver_force`), and where the claim is about a
trajectory, it also runs `sim.dynamics.engine.advance` with every other driver weight, impulse,
memory, the standing residual and noise set to 0, and all actors maintaining (so actions
change nothing but what the test forces). Assertions compare against a control that
differs in one thing, so each would fail if the driver's sign or dependence were reversed.

Actors are called AA, BB, CC, DD (roster ids need two or three capital letters).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from worlds import (
    DRIVER_INDEX,
    driver_force,
    dyadic_actions,
    force_at,
    ix,
    maintain_all,
    only,
    set_sym,
    state_of,
    tiny_world,
)

from sim.core.actions import Dyadic
from sim.dynamics.drivers import DRIVERS
from sim.dynamics.engine import Overrides, advance
from sim.dynamics.obligations import judge_crises, verdict
from sim.dynamics.params import RANGES

A, B, C, D = "AA", "BB", "CC", "DD"


def run(world, state, months: int, overrides: Overrides | None = None):
    """Advance ``months`` with everyone maintaining (unless overridden); return results."""
    ov = overrides if overrides is not None else maintain_all(world)
    return [advance(state, world, ov) for _ in range(months)]


def align(state, world, a: str, b: str) -> float:
    return float(state.alignment[0, world.roster.index(a), world.roster.index(b)])


def term(result, driver: str, world, a: str, b: str) -> float:
    return float(result.terms[0, DRIVER_INDEX[driver], world.roster.index(a),
                              world.roster.index(b)])


# --------------------------------------------------------------------- 1. common threat
class TestCommonThreat:
    @staticmethod
    def world(c_power: float = 0.9):
        return tiny_world(actors=[A, B, {"id": C, "power": c_power}, D])

    def force(self, w, threat=None, alignment=None, war=None) -> float:
        s = state_of(w, threat=threat or {}, alignment=alignment or {}, war=war or {})
        return force_at("common_threat", s, w, A, B)

    def test_shared_threat_pulls_together_more_than_a_one_sided_threat(self):
        w = self.world()
        both = self.force(w, threat={(A, C): 0.8, (B, C): 0.8},
                          alignment={(C, A): -0.6, (C, B): -0.6})
        only_a = self.force(w, threat={(A, C): 0.8}, alignment={(C, A): -0.6})
        assert both > 0.0
        assert both > only_a + 1e-3
        assert only_a >= 0.0

    def test_a_direct_threat_from_the_partner_lowers_it(self):
        w = self.world()
        shared = {(A, C): 0.8, (B, C): 0.8}
        hostile = {(C, A): -0.6, (C, B): -0.6}
        base = self.force(w, threat=shared, alignment=hostile)
        direct = self.force(w, threat={**shared, (A, B): 0.8}, alignment=hostile)
        assert direct < base - 1e-3
        # a direct threat alone repels; B's hostility towards A is a threat too
        assert self.force(w, threat={(A, B): 0.8}) < 0.0
        assert self.force(w, alignment={(B, A): -0.8}) < 0.0

    def test_threat_scales_with_the_threatener_power(self):
        """Balance of threat: the same intentions from a weaker actor threaten less."""
        shared = {(A, C): 0.8, (B, C): 0.8}
        strong = self.force(self.world(0.9), threat=shared)
        weak = self.force(self.world(0.3), threat=shared)
        assert strong > weak > 0.0

    def test_strikes_on_both_count_as_a_shared_threat(self):
        w = self.world()
        struck = self.force(w, war={(C, A): 3.0, (C, B): 3.0})
        assert struck > 0.0
        assert self.force(w, war={(C, A): 3.0}) == pytest.approx(0.0)

    def test_in_a_run_shared_threat_raises_alignment(self):
        rates = only(threat_shared=5.0, threat_direct=1.0)
        finals = {}
        for label, threat in (("shared", {(A, C): 0.8, (B, C): 0.8}),
                              ("one_sided", {(A, C): 0.8})):
            w = tiny_world(actors=[A, B, {"id": C, "power": 0.9}], dynamics=rates)
            s = state_of(w, threat=threat)
            run(w, s, 12)
            finals[label] = align(s, w, A, B)
        assert finals["shared"] > 0.05
        assert finals["one_sided"] == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------- 2. structural balance
class TestStructuralBalance:
    def force(self, n_actors: int, alignment) -> float:
        w = tiny_world(actors=[A, B, C, D][:n_actors])
        return force_at("structural_balance", state_of(w, alignment=alignment), w, A, B)

    def test_friend_of_an_enemy_lowers_it(self):
        assert self.force(3, {(A, C): 0.8, (C, B): -0.8}) < 0.0

    def test_enemy_of_my_enemy_raises_it(self):
        assert self.force(3, {(A, C): -0.8, (C, B): -0.8}) > 0.0

    def test_friend_of_a_friend_raises_it_and_enemy_of_a_friend_lowers_it(self):
        assert self.force(3, {(A, C): 0.8, (C, B): 0.8}) > 0.0
        assert self.force(3, {(A, C): -0.8, (C, B): 0.8}) < 0.0

    def test_neutral_third_party_exerts_no_force(self):
        assert self.force(3, {(A, C): 0.0, (C, B): -0.8}) == 0.0
        assert self.force(3, {(A, C): 0.8, (C, B): 0.0}) == 0.0

    def test_averaged_over_third_parties(self):
        """Two identical third parties pull as hard as one: the rate does not grow with N."""
        one = self.force(3, {(A, C): 0.8, (C, B): -0.6})
        two = self.force(4, {(A, C): 0.8, (C, B): -0.6, (A, D): 0.8, (D, B): -0.6})
        assert two == pytest.approx(one)

    def test_in_a_run_friend_of_an_enemy_becomes_an_enemy(self):
        w = tiny_world(actors=[A, B, C], dynamics=only(balance_weight=3.0))
        s = state_of(w, alignment={(A, C): 0.8, (C, B): -0.8})
        run(w, s, 6)
        assert align(s, w, A, B) < -0.05


# --------------------------------------------------------------------- 3. sanctions
class TestSanctions:
    ACTORS = ({"id": A, "sanctions_exposure": 0.9}, {"id": B, "power": 0.6},
              {"id": C, "power": 0.9}, D)

    def world(self, sanctions=(), actors=ACTORS):
        return tiny_world(actors=list(actors), sanctions=list(sanctions))

    def test_sanctioned_state_values_willing_non_sanctioning_partners(self):
        plain = self.world()
        sanctioned = self.world([{"imposers": [C], "targets": [A], "level": 1.0}])
        both = self.world([{"imposers": [C], "targets": [A, B], "level": 1.0}])
        willing = {(B, A): 0.2}
        f0 = force_at("sanctions_pressure", state_of(plain, alignment=willing), plain, A, B)
        f1 = force_at("sanctions_pressure", state_of(sanctioned, alignment=willing),
                      sanctioned, A, B)
        f2 = force_at("sanctions_pressure", state_of(both, alignment=willing), both, A, B)
        assert f0 == 0.0
        assert f1 > 0.0
        assert f2 > f1  # partners under the same sanctions are worth more
        # by the factor 1 + bite(shared load), here bite(1 * 1) = 1 - e^-1
        assert f2 == pytest.approx((2.0 - np.exp(-1.0)) * f1)

    def test_tightening_beyond_a_heavy_level_still_bites(self):
        """No cap: going from heavy to full sanctions, or adding secondary sanctions on
        top, still raises the value of non-sanctioning partners (saturating, not capped)."""
        heavy = self.world([{"imposers": [C], "targets": [A], "level": 0.9}],
                           actors=({"id": A, "sanctions_exposure": 1.0}, B,
                                   {"id": C, "power": 1.0}))
        full = self.world([{"imposers": [C], "targets": [A], "level": 1.0, "secondary": 0.5}],
                          actors=({"id": A, "sanctions_exposure": 1.0}, B,
                                  {"id": C, "power": 1.0}))
        f_heavy = force_at("sanctions_pressure", state_of(heavy), heavy, A, B)
        f_full = force_at("sanctions_pressure", state_of(full), full, A, B)
        assert f_full > f_heavy > 0.0

    def test_more_willing_partner_is_worth_more(self):
        w = self.world([{"imposers": [C], "targets": [A], "level": 1.0}])
        keen = force_at("sanctions_pressure", state_of(w, alignment={(B, A): 0.8}), w, A, B)
        cold = force_at("sanctions_pressure", state_of(w, alignment={(B, A): -0.8}), w, A, B)
        assert keen > cold > 0.0

    def test_heavier_sanctions_pull_harder(self):
        light = self.world([{"imposers": [C], "targets": [A], "level": 0.3}])
        heavy = self.world([{"imposers": [C], "targets": [A], "level": 1.0}])
        assert (force_at("sanctions_pressure", state_of(heavy), heavy, A, B)
                > force_at("sanctions_pressure", state_of(light), light, A, B) > 0.0)

    @pytest.mark.parametrize(("level", "c_view_of_a"), [(1.0, 0.0), (1.0, 0.8), (0.5, -0.5)])
    def test_target_resents_the_imposer(self, level, c_view_of_a):
        w = self.world([{"imposers": [C], "targets": [A], "level": level}])
        s = state_of(w, alignment={(C, A): c_view_of_a})
        assert force_at("sanctions_pressure", s, w, A, C) < 0.0
        # and the imposer has taken sides: its own sanctions hold it at the same distance
        assert force_at("sanctions_pressure", s, w, C, A) == pytest.approx(
            -w.p.sanctions_resentment * level)

    @pytest.mark.parametrize("level", [0.1, 0.3, 0.5, 0.9])
    def test_target_resents_even_a_partial_friendly_imposer(self, level):
        """The hardest case for "resentment of the imposers": a powerful imposer that likes
        its target, at a partial level, must still not be valued as a sanctions-buster."""
        w = self.world([{"imposers": [C], "targets": [A], "level": level}],
                       actors=({"id": A, "sanctions_exposure": 1.0}, B,
                               {"id": C, "power": 1.0}))
        s = state_of(w, alignment={(C, A): 0.8})
        assert force_at("sanctions_pressure", s, w, A, C) < 0.0

    def test_secondary_sanctions_deter_third_parties_in_proportion_to_their_ties(self):
        w = self.world([{"imposers": [C], "targets": [A], "level": 1.0, "secondary": 0.5}])

        def f(m: float, warmth: float = 0.5, world=w) -> float:
            s = state_of(world, interdependence={(D, C): m}, alignment={(D, A): warmth})
            return force_at("sanctions_pressure", s, world, D, A)

        assert f(0.0) == 0.0
        assert f(0.2) < 0.0
        assert f(0.4) == pytest.approx(2.0 * f(0.2))
        # like cross-pressure, it does not read the relation it restrains
        assert f(0.4, warmth=0.8) == f(0.4, warmth=0.5) == f(0.4, warmth=-0.5)
        # no secondary sanctions in the regime: ties to the imposer cost nothing
        w0 = self.world([{"imposers": [C], "targets": [A], "level": 1.0}])
        assert f(0.4, world=w0) == 0.0

    def test_sanctions_by_action_count_like_scheduled_ones(self):
        w = self.world()
        s = state_of(w, sanctions_own={(C, A): 1.0})
        assert force_at("sanctions_pressure", s, w, A, B) > 0.0
        assert force_at("sanctions_pressure", s, w, A, C) < 0.0

    def test_in_a_run_sanctions_draw_the_target_to_outsiders(self):
        rates = only(sanctions_value=5.0, sanctions_resentment=1.0)
        finals = {}
        for label, regimes in (("none", []),
                               ("sanctioned", [{"imposers": [C], "targets": [A]}])):
            w = tiny_world(actors=list(self.ACTORS), sanctions=regimes, dynamics=rates)
            s = state_of(w)
            run(w, s, 12)
            finals[label] = (align(s, w, A, B), align(s, w, A, C))
        assert finals["none"] == (0.0, 0.0)
        assert finals["sanctioned"][0] > 0.05
        assert finals["sanctioned"][1] < -0.05


# --------------------------------------------------------------------- 4. interdependence
def test_interdependence_pulls_in_proportion_to_material_ties():
    w = tiny_world(actors=[A, B, C])
    forces = [force_at("interdependence", state_of(w, interdependence={(A, B): m}), w, A, B)
              for m in (0.0, 0.3, 0.6, 0.9)]
    assert forces[0] == 0.0
    assert all(x < y for x, y in itertools.pairwise(forces))
    assert forces[2] == pytest.approx(2.0 * forces[1])
    # directed: A's material interest in B does not pull B towards A
    s = state_of(w, interdependence={(A, B): 0.9})
    assert force_at("interdependence", s, w, B, A) == 0.0


# --------------------------------------------------------------------- 5. treaties
class TestTreaty:
    @staticmethod
    def world(clauses=(), dynamics=None, **treaty):
        spec = {"parties": [A, B], "strength": 0.6, "anchor": 0.5, "clauses": list(clauses),
                **treaty}
        return tiny_world(actors=[A, B, C], treaties=[spec], dynamics=dynamics)

    def test_a_treaty_is_worth_its_strength_at_all_times(self):
        """Reassurance: the contribution is treaty_weight x strength whatever the relation's
        level, war or no war; no treaty, no contribution."""
        w = self.world()
        f = {a: force_at("treaty_commitment", state_of(w, alignment={(A, B): a}), w, A, B)
             for a in (-0.2, 0.2, 0.5, 0.8)}
        grown = 1.0 - 2.0 ** (-1.0 / w.p.treaty_maturity_half_life)  # its first month
        for v in f.values():
            assert v == pytest.approx(w.p.treaty_weight * 0.6 * grown)
        # its institutional value builds up: half after the maturity half-life
        s = state_of(w, alignment={(A, B): 0.2})
        s.step = int(w.p.treaty_maturity_half_life) - 1
        assert force_at("treaty_commitment", s, w, A, B) == pytest.approx(
            w.p.treaty_weight * 0.6 * 0.5)
        s = state_of(w, alignment={(A, C): -0.5})
        assert force_at("treaty_commitment", s, w, A, C) == 0.0

    def test_only_in_force_between_signature_and_expiry(self):
        w = self.world(signed="2025-07", expires="2026-01")
        s = state_of(w, alignment={(A, B): 0.0})
        assert force_at("treaty_commitment", s, w, A, B) == 0.0
        s.step = 6
        assert force_at("treaty_commitment", s, w, A, B) > 0.0
        s.step = 12
        assert force_at("treaty_commitment", s, w, A, B) == 0.0

    def test_mutual_defence_reassures_deters_and_draws_in_the_guarantor(self):
        """A defence clause adds defence_weight to each protected party's target towards its
        guarantor, lowers the threat it perceives from others, and sets the protected
        party's enemy against the guarantor."""
        plain = self.world()
        pact = self.world([("mutual_defence", 0.4, 0.1)])
        s_plain = state_of(plain, alignment={(C, A): -0.8}, threat={(A, C): 0.8})
        s_pact = state_of(pact, alignment={(C, A): -0.8}, threat={(A, C): 0.8})
        gain = (force_at("treaty_commitment", s_pact, pact, A, B)
                - force_at("treaty_commitment", s_plain, plain, A, B))
        assert gain == pytest.approx(pact.p.defence_weight)
        # C, hostile to A, holds B's pledge against it; B turns against A's enemy
        assert force_at("treaty_commitment", s_pact, pact, C, B) < 0.0
        assert force_at("treaty_commitment", s_plain, plain, C, B) == 0.0
        assert force_at("treaty_commitment", s_pact, pact, B, C) < 0.0
        # deterrence: A's direct threat from C is lower under the guarantee
        assert (force_at("common_threat", s_pact, pact, A, C)
                > force_at("common_threat", s_plain, plain, A, C))

    def test_a_treaty_in_force_holds_a_relation_up(self):
        """Distrust pushes A-B down; with a treaty the relation settles higher."""
        rates = only(distrust_weight=1.0, treaty_weight=0.5, treaty_maturity_half_life=0.0)
        finals = {}
        for label, treaties in (("treaty", [{"parties": [A, B], "strength": 0.8,
                                              "anchor": 0.5}]), ("none", [])):
            w = tiny_world(actors=[A, B, C], treaties=treaties, dynamics=rates)
            s = state_of(w, alignment={(A, B): 0.5, (B, A): 0.5})
            set_sym(s.distrust, w, A, B, 0.8)
            run(w, s, 24)
            finals[label] = align(s, w, A, B)
        assert finals["none"] < finals["treaty"] - 0.1
        assert finals["treaty"] < 0.5  # it holds the relation up, it does not reverse it

    # --- clauses: judged once per crisis ---------------------------------------------
    def _crisis(self, w, moves_by_month, attacked_months):
        """Verdicts of each month of a crisis: C strikes A for ``attacked_months``, B's
        moves towards A (and C) given month by month; one replicate."""
        s = state_of(w)
        out = []
        for t, moves in enumerate(moves_by_month):
            s.war[:, ix(w, C), ix(w, A)] = 1.0 if t < attacked_months else 0.0
            out.append(judge_crises(w.treaties, s, dyadic_actions(w, 1, moves), t,
                                    w.p.treaty_reliability)[0])
        return out

    def test_conduct_is_judged_once_when_the_crisis_ends(self):
        w = self.world([("mutual_defence", 0.4, 0.1)])
        a, b = ix(w, A, B)
        honoured = self._crisis(w, [{(B, A): Dyadic.TRANSFER_ARMS}] * 4 + [{}], 4)
        assert all(v[a, b] == 0.0 for v in honoured[:4])  # nothing while it lasts
        assert honoured[4][a, b] == pytest.approx(0.1)  # every month kept: full credit
        failed = self._crisis(w, [{}] * 4 + [{}], 4)
        assert failed[4][a, b] == pytest.approx(-0.4)  # none kept: the full breach cost

    @pytest.mark.parametrize(("kept", "months"), [(3, 4), (2, 4), (1, 4)])
    def test_against_the_expected_reliability(self, kept, months):
        """Leeds, Long & Mitchell (2000): about three quarters honoured is what is expected,
        so keeping 3 of 4 months earns nothing, fewer is blamed in proportion."""
        w = self.world([("mutual_defence", 0.4, 0.1)])
        a, b = ix(w, A, B)
        moves = ([{(B, A): Dyadic.DIPLOMATIC_COVER}] * kept + [{}] * (months - kept)) + [{}]
        got = self._crisis(w, moves, months)[months][a, b]
        share = kept / months
        assert got == pytest.approx(float(verdict(np.array(share), 0.75, 0.4, 0.1)))
        assert (got < 0.0) == (share < 0.75)
        assert w.p.treaty_reliability == 0.75

    def test_a_treaty_that_lapses_in_a_crisis_is_judged_on_its_months_in_force(self):
        w = self.world([("mutual_defence", 0.4, 0.1)], expires="2025-03")
        a, b = ix(w, A, B)
        got = self._crisis(w, [{}] * 4, 4)  # no help, strikes go on past the expiry
        assert got[0][a, b] == got[1][a, b] == 0.0
        assert got[2][a, b] == pytest.approx(-0.4)  # judged once, when it lapses
        assert got[3][a, b] == 0.0

    def test_clauses_sleep_without_an_attack(self):
        w = self.world([("mutual_defence", 0.4, 0.1), ("non_assistance_to_aggressor", 0.3, 0.01)])
        got = self._crisis(w, [{(B, A): Dyadic.MAINTAIN, (B, C): Dyadic.DEEPEN}] * 3, 0)
        assert not any(v.any() for v in got)

    def test_non_assistance_to_aggressor(self):
        w = self.world([("non_assistance_to_aggressor", 0.3, 0.01)])
        a, b = ix(w, A, B)
        broke = self._crisis(w, [{(B, C): Dyadic.DEEPEN}, {}], 1)[1]
        kept = self._crisis(w, [{(B, C): Dyadic.MAINTAIN}, {}], 1)[1]
        assert broke[a, b] == pytest.approx(-0.3)
        assert kept[a, b] == pytest.approx(0.01)

    def test_verdicts_reach_alignment_and_distrust_through_the_engine(self):
        rates = only(impulse_treaty_verdict=1.0)
        out = {}
        for label, move in (("cover", Dyadic.DIPLOMATIC_COVER), ("maintain", Dyadic.MAINTAIN)):
            w = self.world([("mutual_defence", 0.4, 0.1)], dynamics=rates)
            s = state_of(w, war={(C, A): 1.0})
            ov = maintain_all(w)
            ov.dyadic[ix(w, B, A)] = int(move)
            advance(s, w, ov)  # the crisis month
            d0 = s.distrust.copy()
            res = advance(s, w, maintain_all(w))  # the strikes have stopped: judged
            out[label] = (term(res, "episode_treaty", w, A, B),
                          float((s.distrust - d0)[0, ix(w, A), ix(w, B)]))
        assert out["cover"][0] > 0.0 > out["maintain"][0]
        assert out["maintain"][1] > 0.0  # a breach teaches distrust
        assert out["cover"][1] <= 0.0


# --------------------------------------------------------------------- 6. theatres
class TestTheatre:
    @staticmethod
    def world(competition: float = 0.0):
        th = {"id": "front", "intensity": 0.8, "competition": competition,
              "stakes": {A: (1.0, 1.0), B: (0.8, 0.7), C: (0.9, -1.0)}}
        return tiny_world(actors=[A, B, C, D], theatres=[th])

    def test_same_side_attract_opposite_sides_repel(self):
        w = self.world()
        s = state_of(w)
        f = driver_force("theatre", s, w)[0]
        a, b, c, d = ix(w, A, B, C, D)
        assert f[a, b] > 0.0 and f[b, a] > 0.0
        assert f[a, c] < 0.0 and f[c, b] < 0.0
        assert f[a, d] == 0.0 and f[d, a] == 0.0  # no stake, no pull

    def test_competition_reduces_same_side_attraction_only(self):
        free, contest, zero_sum = (driver_force("theatre", state_of(w), w)[0]
                                   for w in (self.world(0.0), self.world(0.5),
                                             self.world(1.0)))
        a, b, c = 0, 1, 2
        assert free[a, b] > contest[a, b] > 0.0
        assert zero_sum[a, b] == pytest.approx(0.0)
        assert contest[a, c] == pytest.approx(free[a, c])  # rivalry is untouched

    def test_scales_with_engagement_and_intensity(self):
        w = self.world()
        base = force_at("theatre", state_of(w), w, A, B)
        s = state_of(w)
        s.engagement[:, 0, ix(w, A)] *= 0.5
        assert force_at("theatre", s, w, A, B) == pytest.approx(0.5 * base)
        s = state_of(w)
        s.intensity[:, 0] = 0.0
        assert force_at("theatre", s, w, A, B) == 0.0


# --------------------------------------------------------------------- 7. distrust
def test_historical_distrust_lowers_the_target_in_proportion_to_distrust():
    w = tiny_world(actors=[A, B, C])

    def f(d: float, a: float) -> float:
        return force_at("historical_distrust",
                        state_of(w, distrust={(A, B): d}, alignment={(A, B): a}), w, A, B)

    assert f(0.0, 0.5) == 0.0
    assert f(0.4, 0.5) < 0.0
    assert f(0.8, 0.5) == pytest.approx(2.0 * f(0.4, 0.5))  # weight x input, exactly
    # it does not read the relation itself: no hidden restoring force
    assert f(0.6, 0.8) == f(0.6, 0.0) == f(0.6, -0.6)


# --------------------------------------------------------------------- 8. cross-pressure
class TestCrossPressure:
    @staticmethod
    def force(a_ab: float, a_ac: float = 0.6, m_ac: float = 0.8, a_cb: float = -0.7) -> float:
        w = tiny_world(actors=[A, B, C])
        s = state_of(w, alignment={(A, B): a_ab, (A, C): a_ac, (C, B): a_cb},
                     interdependence={(A, C): m_ac})
        return force_at("cross_pressure", s, w, A, B)

    def test_valued_partner_hostile_to_j_holds_the_target_back(self):
        assert self.force(0.4) < 0.0

    def test_it_does_not_read_the_relation_it_restrains(self):
        """No hidden restoring force: the same whatever a[i, j] is."""
        assert self.force(0.8) == self.force(0.4) == self.force(-0.5)

    def test_needs_a_valued_friendly_partner_that_is_hostile_to_j(self):
        assert self.force(0.4, m_ac=0.0) == 0.0
        assert self.force(0.4, a_ac=-0.5) == 0.0
        assert self.force(0.4, a_cb=0.5) == 0.0
        assert self.force(0.4, m_ac=0.8) < self.force(0.4, m_ac=0.4) < 0.0


# --------------------------------------------------------------------- 9. domestic politics
FACTIONS = {"balance": 0.5, "hardline": {B: 0.8}, "reform": {B: -0.4}}


class TestDomestic:
    def world(self, events=(), dynamics=None):
        return tiny_world(actors=[{"id": A, "domestic": FACTIONS}, B, C],
                          events=list(events), dynamics=dynamics)

    def test_hardline_balance_moves_the_target_towards_the_hardline_ideal(self):
        w = self.world()

        def f(balance: float, a: float = 0.2) -> float:
            s = state_of(w, alignment={(A, B): a})
            s.balance[:, ix(w, A)] = balance
            return force_at("domestic_politics", s, w, A, B)

        assert f(0.8) > f(0.5) > f(0.2)
        weight = w.p.domestic_weight
        assert f(1.0) == pytest.approx(weight * 0.8)  # the hardline ideal
        assert f(0.0) == pytest.approx(weight * -0.4)  # the reform ideal
        # a shift of the balance moves the target by weight x shift x (hardline - reform)
        assert f(0.7) - f(0.2) == pytest.approx(weight * 0.5 * 1.2)
        assert f(0.5, a=0.9) == f(0.5, a=-0.9)  # it does not read the relation

    def test_only_named_partners_of_actors_with_factions(self):
        w = self.world()
        s = state_of(w, alignment={(A, C): 0.5, (B, A): 0.5})
        s.balance[:] = 1.0
        assert force_at("domestic_politics", s, w, A, C) == 0.0
        assert force_at("domestic_politics", s, w, B, A) == 0.0

    def test_a_leadership_change_moves_alignment_in_a_run(self):
        rates = only(domestic_weight=1.0)
        finals = {}
        for label, events in (("hardline", [{"type": "leadership_change", "actor": A,
                                              "balance": 1.0, "date": "2025-01"}]),
                              ("unchanged", [])):
            w = self.world(events, rates)
            s = state_of(w)
            run(w, s, 24)
            finals[label] = align(s, w, A, B)
        # both start at 0; the balanced target is tanh(0.2), the hardline one tanh(0.8)
        assert finals["unchanged"] == pytest.approx(np.tanh(0.2), abs=0.05)
        assert finals["hardline"] > finals["unchanged"] + 0.3


# --------------------------------------------------------------------- 10. reciprocity
class TestReciprocity:
    @staticmethod
    def world():
        return tiny_world(actors=[A, B, C], dyads=[{"source": A, "target": B, "asks": 0.3}])

    def f(self, w, move) -> float:
        return force_at("reciprocity", state_of(w), w, A, B,
                        dyadic=dyadic_actions(w, 1, {(B, A): move}))

    def test_more_than_asked_raises_less_lowers(self):
        w = self.world()
        assert self.f(w, Dyadic.TRANSFER_ARMS) > 0.0
        assert self.f(w, Dyadic.DEEPEN) == pytest.approx(0.0)  # delivers exactly 0.3
        assert self.f(w, Dyadic.MAINTAIN) < 0.0
        assert self.f(w, Dyadic.SANCTION) < self.f(w, Dyadic.MAINTAIN)

    def test_reads_what_the_partner_delivered_to_me(self):
        w = self.world()
        # A's own delivery to B, or B's to C, says nothing about B's reliability to A
        own = force_at("reciprocity", state_of(w), w, A, B,
                       dyadic=dyadic_actions(w, 1, {(A, B): Dyadic.TRANSFER_ARMS,
                                                    (B, C): Dyadic.TRANSFER_ARMS}))
        assert own == pytest.approx(self.f(w, Dyadic.MAINTAIN))

    def test_in_the_engine(self):
        rates = only(reciprocity_weight=2.0)
        terms = {}
        for move in (Dyadic.TRANSFER_ARMS, Dyadic.MAINTAIN, Dyadic.SANCTION):
            w = tiny_world(actors=[A, B, C], dyads=[{"source": A, "target": B, "asks": 0.3}],
                           dynamics=rates)
            ov = maintain_all(w)
            ov.dyadic[ix(w, B, A)] = int(move)
            terms[move] = term(advance(state_of(w), w, ov), "reciprocity", w, A, B)
        # more delivered than at the start raises, less lowers
        assert terms[Dyadic.TRANSFER_ARMS] > terms[Dyadic.MAINTAIN] > terms[Dyadic.SANCTION]
        assert terms[Dyadic.TRANSFER_ARMS] > 0.0 > terms[Dyadic.SANCTION]


# --------------------------------------------------------------------- 11. settling
def test_the_relation_settles_at_the_drivers_target_in_latent_units():
    """With constant inputs and no memory, a relation converges to tanh(target): here
    interdependence (up) against resentment of a sanctioner (down)."""
    w = tiny_world(actors=[{"id": A, "sanctions_exposure": 0.0}, B, {"id": C, "power": 0.9}],
                   dyads=[{"source": A, "target": C, "interdependence": 0.5}],
                   sanctions=[{"imposers": [C], "targets": [A], "level": 1.0}],
                   dynamics=only(interdependence_weight=1.0, sanctions_resentment=0.4),
                   horizon=240)
    s = state_of(w, alignment={(A, C): 0.8})
    run(w, s, 200)
    target = 1.0 * 0.5 - 0.4 * 1.0
    assert align(s, w, A, C) == pytest.approx(np.tanh(target), abs=1e-6)


def _mixed_world(**dynamics):
    return tiny_world(
        actors=[{"id": A, "sanctions_exposure": 0.9, "domestic": FACTIONS},
                B, {"id": C, "power": 0.9}, D],
        dyads=[{"source": A, "target": B, "alignment": 0.4, "distrust": 0.3, "asks": 0.2,
                "interdependence": 0.5, "symmetric": True},
               {"source": C, "target": A, "alignment": -0.5, "threat": 0.6},
               {"source": A, "target": C, "alignment": -0.3, "threat": 0.7},
               {"source": D, "target": C, "alignment": 0.6, "interdependence": 0.7},
               {"source": D, "target": B, "alignment": 0.3}],
        theatres=[{"id": "front", "stakes": {A: (1.0, 1.0), B: (0.5, 0.5), C: (0.8, -1.0)}}],
        treaties=[{"parties": [A, B], "anchor": 0.6}],
        sanctions=[{"imposers": [C], "targets": [A], "level": 0.8, "secondary": 0.5}],
        dynamics=dynamics)


def test_the_month_is_split_exactly_into_its_named_terms():
    """Drivers, memory, episodes and noise add up to each month's change, month after
    month, with the model choosing the moves (so episodes and noise are live)."""
    w = _mixed_world(noise_sd=0.05)
    s = state_of(w, seeds=[3, 4])
    for _ in range(6):
        before = s.alignment.copy()
        res = advance(s, w)
        np.testing.assert_allclose(res.terms.sum(axis=1), res.alignment - before, atol=1e-12)
        # the latent level is the sum of its shares by cause
        np.testing.assert_allclose(s.shares.sum(axis=1), s.latent, atol=1e-12)


def test_a_cause_whose_input_did_not_change_moves_nothing():
    """From the documented start (an equilibrium, by the standing residual), with everyone
    maintaining, no noise and no moves, only the driver whose input changes has a term:
    here interdependence, raised by hand for A->B. (Reciprocity is left out: the start is
    the equilibrium of the actors' habitual deliveries, so maintaining changes its input.)"""
    w = _mixed_world(noise_sd=0.0)
    s = state_of(w)
    res = advance(s, w, maintain_all(w))
    moved = np.abs(res.terms).max(axis=(0, 2, 3))
    drivers = {d.name for d in DRIVERS} - {"reciprocity"}
    assert not {name for name in drivers if moved[DRIVER_INDEX[name]] > 1e-12}
    control = s.copy()
    s.interdependence[:, ix(w, A), ix(w, B)] += 0.3
    s.interdependence_base[:, ix(w, A), ix(w, B)] += 0.3
    changed = advance(s, w, maintain_all(w)).terms[0]
    same = advance(control, w, maintain_all(w)).terms[0]
    a, b = ix(w, A, B)
    k = DRIVER_INDEX["interdependence"]
    diff = changed[:, a, b] - same[:, a, b]
    assert diff[k] > 0.0
    others = [diff[DRIVER_INDEX[n]] for n in drivers if n != "interdependence"]
    assert np.abs(others).max() < 0.05 * diff[k]


# --------------------------------------------------------------------- 13. ranges
IDS = ("AA", "BB", "CC", "DD", "EE")
UNIT = st.floats(0.0, 1.0)
SIGNED = st.floats(-1.0, 1.0)


@st.composite
def random_worlds(draw):
    n = draw(st.integers(3, 5))
    ids = IDS[:n]
    actors = [{"id": a, "power": draw(UNIT), "sanctions_exposure": draw(UNIT),
               "anti_hegemony": draw(UNIT), "rationality": draw(st.floats(0.0, 50.0)),
               "hedging": draw(UNIT), "arms_capacity": draw(UNIT), "arms_need": draw(UNIT),
               "sanction_capacity": draw(UNIT)} for a in ids]
    if draw(st.booleans()):
        other = draw(st.sampled_from(ids[1:]))
        actors[0]["domestic"] = {"balance": draw(UNIT), "hardline": {other: draw(SIGNED)},
                                 "reform": {other: draw(SIGNED)}}
    dyads = [{"source": s, "target": t, "alignment": draw(SIGNED), "distrust": draw(UNIT),
              "threat": draw(UNIT), "interdependence": draw(UNIT), "asks": draw(UNIT)}
             for s in ids for t in ids if s != t]
    theatres = [{"id": ("front", "rear")[k],
                 "intensity": draw(UNIT), "competition": draw(UNIT),
                 "stakes": {a: (draw(UNIT), draw(SIGNED))
                            for a in draw(st.lists(st.sampled_from(ids), min_size=1,
                                                   max_size=n, unique=True))}}
                for k in range(draw(st.integers(0, 2)))]
    treaties, sanctions = [], []
    if draw(st.booleans()):
        parties = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True))
        kinds = draw(st.lists(st.sampled_from(["mutual_defence", "non_assistance_to_aggressor",
                                               "non_use_of_territory", "consultation"]),
                              max_size=2, unique=True))
        treaties.append({"parties": parties, "strength": draw(UNIT), "anchor": draw(SIGNED),
                         "clauses": [(k, draw(UNIT), draw(UNIT)) for k in kinds]})
    if draw(st.booleans()):
        imposer, target = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2,
                                        unique=True))
        sanctions.append({"imposers": [imposer], "targets": [target], "level": draw(UNIT),
                          "secondary": draw(st.one_of(st.none(), UNIT))})
    rates = {k: draw(st.floats(lo, hi)) for k, (lo, hi) in RANGES.items()}
    wars = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids),
                                   st.integers(1, 3)), max_size=2))
    return dict(actors=actors, dyads=dyads, theatres=theatres, treaties=treaties,
                sanctions=sanctions, dynamics=rates, horizon=6), wars


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no NaN arithmetic anywhere
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_worlds())
def test_runs_stay_in_range(spec):
    kwargs, wars = spec
    w = tiny_world(**kwargs)
    s = state_of(w, seeds=[1, 2])
    for a, b, months in wars:
        if a != b:
            s.war[:, ix(w, a), ix(w, b)] = months
    n = w.n
    for _ in range(6):
        res = advance(s, w)
        assert np.all(np.isfinite(res.terms))
        for name in ("alignment", "distrust", "interdependence", "threat", "sanctions_own",
                     "war", "intensity", "engagement", "balance", "trend"):
            assert np.all(np.isfinite(getattr(s, name))), name
        assert np.all(np.abs(s.alignment) <= 1.0)
        np.testing.assert_array_equal(s.alignment[:, np.arange(n), np.arange(n)], 1.0)
        for name in ("distrust", "interdependence", "sanctions_own", "intensity"):
            arr = getattr(s, name)
            assert np.all((arr >= 0.0) & (arr <= 1.0)), name


def test_logit_with_zero_rationality_is_uniform_over_feasible_actions():
    """Precision 0 means a coin toss among the actions an actor can take, never an
    infeasible one (regression: 0 * -inf once gave NaN and always chose action 0)."""
    from sim.dynamics.decisions import logit_choice

    util = np.array([[-np.inf, 0.3, -2.0, -np.inf]])
    draws = np.linspace(0.001, 0.999, 999)
    picks = logit_choice(np.repeat(util, 999, axis=0), np.zeros(999), draws)
    counts = np.bincount(picks, minlength=4)
    assert counts[0] == 0 and counts[3] == 0
    assert abs(counts[1] - counts[2]) <= 2
