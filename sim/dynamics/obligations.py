"""Treaty obligations at run time: which clauses bind this month, what they add to the bound
actors' choices, and how conduct in a crisis is judged when it ends.

Why apart from the treaty language (`sim.inputs.treaties`): the dynamics read compiled
arrays only; what a treaty file may say, and how it is checked, is an input concern. A
crisis is judged once, when it ends, against the expected reliability of alliances (Leeds,
Long & Mitchell 2000: about three quarters of obligations honoured); the verdict is a
treaty episode on the protected party's view of its partner. A sanction in breach of a
standing pledge is judged the month it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.core.actions import ASSISTANCE, DEFENCE_SUPPORT, HOSTILE, MILITARY_ASSISTANCE, Dyadic


@dataclass(frozen=True)
class CompiledTreaties:
    """Treaties as arrays over the roster; steps are months from the scenario start."""

    ids: tuple[str, ...]
    parties: np.ndarray  # (K, N) bool
    start: np.ndarray  # (K,) first step in force
    end: np.ndarray  # (K,) first step no longer in force
    strength: np.ndarray  # (K,)
    anchor: np.ndarray  # (K,)
    clauses: tuple[tuple[int, str, float, float], ...]  # (treaty, kind, breach, fulfil)
    #: (treaty, kind, protected party p, bound party q, breach, fulfil): every clause
    #: between every ordered pair of parties; a state column per entry counts its crisis
    clause_pairs: tuple[tuple[int, str, int, int, float, float], ...] = ()
    #: arrays already made: the month's `guarantee` and `strength_at`, which depend on the
    #: month alone and are asked for by every block each month, and `pair_arrays`
    _made: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def in_force(self, step: int) -> np.ndarray:
        """(K,) bool: which treaties are in force at ``step`` (made once per month, read-only:
        asked for by the month's obligations and crises in every block)."""
        return self._remembered(("in_force", step),
                                lambda: (self.start <= step) & (step < self.end))

    def pair_arrays(self) -> tuple[np.ndarray, ...]:
        """The clause pairs as arrays for compiled code (treaty, kind code, protected party,
        bound party, breach, fulfil), made once."""
        from sim.dynamics.kernels.crises import CLAUSE_CODES

        def make() -> tuple[np.ndarray, ...]:
            pairs = self.clause_pairs
            return (np.array([c[0] for c in pairs], dtype=np.int64),
                    np.array([CLAUSE_CODES[c[1]] for c in pairs], dtype=np.int64),
                    np.array([c[2] for c in pairs], dtype=np.int64),
                    np.array([c[3] for c in pairs], dtype=np.int64),
                    np.array([c[4] for c in pairs], dtype=np.float64),
                    np.array([c[5] for c in pairs], dtype=np.float64))
        return self._remembered(("pairs",), make)

    def _remembered(self, key: tuple, make):
        """``make()`` (an array, or a tuple of arrays or numbers), made once per key; arrays
        read-only, so that no caller can change what the next one gets."""
        found = self._made.get(key)
        if found is None:
            if len(self._made) > 4096:  # a very long run: keep memory bounded
                self._made.clear()
            found = make()
            for item in (found if isinstance(found, tuple) else (found,)):
                if isinstance(item, np.ndarray):
                    item.setflags(write=False)
            self._made[key] = found
        return found

    def guarantee(self, step: int) -> np.ndarray:
        """(N, N) G[p, q] = 1 where a mutual-defence clause in force binds q to defend p."""
        return self._remembered(("guarantee", step), lambda: self._guarantee(step))

    def _guarantee(self, step: int) -> np.ndarray:
        n = self.parties.shape[1]
        g = np.zeros((n, n))
        live = self.in_force(step)
        for k, kind, _, _ in self.clauses:
            if kind == "mutual_defence" and live[k]:
                pair = np.outer(self.parties[k], self.parties[k]).astype(np.float64)
                np.fill_diagonal(pair, 0.0)
                g = np.maximum(g, pair)
        return g

    def signed_at(self, step: int) -> tuple[int, ...]:
        """Treaties signed this month (a signing inside the run is an episode), found once
        per month."""
        return self._remembered(("signed", step), lambda: tuple(
            int(k) for k in np.flatnonzero(self.start == step)))

    def strength_at(self, step: int, maturity_half_life: float = 0.0) -> np.ndarray:
        """(N, N) the institutional strength of the treaties binding each pair now.

        A treaty's institutional strength builds up after signing, halfway in
        ``maturity_half_life`` months (0: at once): joint commissions, summits and sector
        agreements take years to fill a framework treaty (003 on the 2025 treaty's 47
        articles), so a new treaty is worth little in its first crisis.
        """
        return self._remembered(("strength", step, float(maturity_half_life)),
                                lambda: self._strength_at(step, maturity_half_life))

    def _strength_at(self, step: int, maturity_half_life: float) -> np.ndarray:
        n = self.parties.shape[1]
        strength = np.zeros((n, n))
        for k in np.flatnonzero(self.in_force(step)):
            pair = np.outer(self.parties[k], self.parties[k])
            np.fill_diagonal(pair, False)
            age = float(step - self.start[k] + 1)
            grown = (1.0 - 2.0 ** -min(age / maturity_half_life, 1e6)
                     if maturity_half_life > 0 else 1.0)
            strength = np.where(pair, np.minimum(1.0, strength + grown * self.strength[k]),
                                strength)
        return strength


def clause_pairs_of(parties: np.ndarray):
    idx = np.flatnonzero(parties)
    return [(p, q) for p in idx for q in idx if p != q]



def _aggressors(war: np.ndarray, p: int, parties: np.ndarray) -> np.ndarray:
    """(R, N) mask of non-parties currently attacking party p."""
    return (war[:, :, p] > 0) & ~parties[None, :]


@dataclass
class Obligations:
    """What triggered clauses add to the dyadic utilities of the actors they bind.

    Kept for the bound actors only (the parties of treaties in force, a handful of the
    roster): a dense (R, N, N, A) array every month cost more than the choice it informs.
    """

    slot: np.ndarray  # (N,) int64: the actor's row in ``adj``, -1 if nothing binds it
    adj: np.ndarray  # (R, S, N, A) utility adjustments of the bound actors' moves


def obligation_utilities(ct: CompiledTreaties, war: np.ndarray,
                         step: int) -> Obligations | None:
    """Utility adjustments that triggered clauses add to the dyadic menu, or None when no
    clause binds this month (most months: nothing to add).

    A party expects to pay the breach cost if it breaks a clause, so it weighs that cost in
    its choice: required help becomes more attractive, forbidden help less. Computed by
    `sim.dynamics.kernels.crises.obligation_block` (in months of fighting the NumPy rule
    made a few array operations per clause pair and action, about 5 % of a month's time);
    `obligation_utilities_reference` is the same rule in NumPy, the reference it is
    tested against.
    """
    from sim.dynamics.kernels.crises import obligation_block, obligations_bind

    live = ct.in_force(step)
    if not live.any():
        return None
    treaty, kind, p, q, breach, _ = ct.pair_arrays()
    if not obligations_bind(treaty, kind, p, live, war):
        return None
    slot, bound = _slots(ct, live)
    adj = np.empty((war.shape[0], bound, war.shape[1], len(Dyadic)))
    obligation_block(treaty, kind, p, q, breach, live, ct.parties, war, slot,
                     int(Dyadic.SANCTION), *ACTION_MASKS, adj)
    return Obligations(slot, adj)


def _slots(ct: CompiledTreaties, live: np.ndarray) -> tuple[np.ndarray, int]:
    """(slot (N,), S): each party of a treaty in force gets a row of the adjustments, in
    roster order; -1 for the others."""
    n = ct.parties.shape[1]
    slot = np.full(n, -1, dtype=np.int64)
    bound = np.flatnonzero(ct.parties[live].any(axis=0))
    slot[bound] = np.arange(len(bound))
    return slot, len(bound)


def obligation_utilities_reference(ct: CompiledTreaties, war: np.ndarray,
                                   step: int) -> Obligations | None:
    """`obligation_utilities` in NumPy operations, clause pair by clause pair: the
    reference."""
    r, n = war.shape[0], war.shape[1]
    adj: np.ndarray | None = None
    live = ct.in_force(step)
    if not live.any():
        return None
    fighting = bool(war.any())
    slot, bound = _slots(ct, live)
    for k, kind, p, q, breach, _ in ct.clause_pairs:
        if not live[k]:
            continue
        # is p under attack by anyone, in any replicate? Asked of p's column only, once
        # any fighting is known: a reduction over the (R, N, N) array by attacker cost
        # most of a month's obligations
        if kind != "no_sanctions_on_partner" and not (fighting and war[:, :, p].any()):
            continue  # most months no one strikes a party: nothing binds
        if adj is None:
            adj = np.zeros((r, bound, n, len(Dyadic)))
        row = slot[q]
        if kind == "no_sanctions_on_partner":
            adj[:, row, p, Dyadic.SANCTION] -= breach
            continue
        aggr = _aggressors(war, p, ct.parties[k])
        attacked = aggr.any(axis=1)
        if kind in ("non_assistance_to_aggressor", "non_use_of_territory"):
            banned = ASSISTANCE if kind == "non_assistance_to_aggressor" \
                else MILITARY_ASSISTANCE
            for a in banned:
                adj[:, row, :, a] -= breach * aggr
        elif kind == "mutual_defence":
            for a in DEFENCE_SUPPORT:
                adj[:, row, p, a] += breach * attacked
        elif kind == "consultation":
            for a in HOSTILE:
                adj[:, row, p, a] -= breach * attacked
    return None if adj is None else Obligations(slot, adj)


def _kept_this_month(kind: str, choices: np.ndarray, p: int, q: int,
                     aggr: np.ndarray) -> np.ndarray:
    """(R,) whether bound party q kept clause ``kind`` towards attacked party p this month."""
    toward_p = choices[:, q, p]
    if kind in ("non_assistance_to_aggressor", "non_use_of_territory"):
        banned = ASSISTANCE if kind == "non_assistance_to_aggressor" else MILITARY_ASSISTANCE
        return ~(np.isin(choices[:, q, :], banned) & aggr).any(axis=1)
    if kind == "mutual_defence":
        return np.isin(toward_p, DEFENCE_SUPPORT)
    return ~np.isin(toward_p, HOSTILE)  # consultation: no hostile move on the partner


def verdict(share: np.ndarray, reliability: float, breach: float,
            fulfil: float) -> np.ndarray:
    """A crisis verdict from the share of its months a clause was kept: above the expected
    reliability, credit up to ``fulfil`` (all months kept); below it, blame up to
    ``breach`` (none kept); exactly as expected, nothing."""
    above = (share - reliability) / (1.0 - reliability)
    below = (share - reliability) / reliability
    return np.where(share >= reliability, fulfil * above, breach * below)


def judge_crises(ct: CompiledTreaties, state, choices: np.ndarray, step: int,
                 reliability: float) -> np.ndarray:
    """Count this month's conduct into each open crisis, judge the crises that ended, and
    return the verdicts (R, N, N): ``[r, p, q]`` is p's verdict on q's conduct.

    A crisis is a run of months in which a non-party strikes the protected party. It is
    judged the first month no one does (or the treaty lapses), once, on the share of its
    months the bound party kept the clause. ``no_sanctions_on_partner`` binds every month
    and is judged at once: a sanction on the partner is a full breach. Computed by
    `sim.dynamics.kernels.crises.judge_block`; `judge_crises_reference` is the same rule
    in NumPy, the reference it is tested against.
    """
    from sim.dynamics.kernels.crises import judge_block

    r, n = state.war.shape[0], state.war.shape[1]
    out = np.zeros((r, n, n))
    if not ct.clause_pairs:
        return out
    arrays = ct.pair_arrays()
    judge_block(*arrays, ct.in_force(step), ct.parties, state.war,
                np.ascontiguousarray(choices, dtype=np.int8), float(reliability),
                int(Dyadic.SANCTION), *ACTION_MASKS, state.crisis_months, state.crisis_kept,
                out)
    return out


def _mask(actions) -> np.ndarray:
    mask = np.zeros(len(Dyadic), dtype=np.bool_)
    mask[list(actions)] = True
    return mask


#: The actions each kind of clause bans or asks for, as masks over the dyadic menu.
ACTION_MASKS = (_mask(ASSISTANCE), _mask(MILITARY_ASSISTANCE), _mask(DEFENCE_SUPPORT),
                _mask(HOSTILE))


def judge_crises_reference(ct: CompiledTreaties, state, choices: np.ndarray, step: int,
                           reliability: float) -> np.ndarray:
    """`judge_crises` in NumPy operations, clause pair by clause pair: the reference."""
    r, n = state.war.shape[0], state.war.shape[1]
    out = np.zeros((r, n, n))
    live = ct.in_force(step)
    for col, (k, kind, p, q, breach, fulfil) in enumerate(ct.clause_pairs):
        open_ = state.crisis_months[:, col] > 0
        if not live[k]:
            # a treaty that lapses in a crisis is judged on the months it was in force
            out[:, p, q] += _close(state, col, open_, reliability, breach, fulfil)
            continue
        if kind == "no_sanctions_on_partner":
            out[:, p, q] -= breach * (choices[:, q, p] == Dyadic.SANCTION)
            continue
        aggr = _aggressors(state.war, p, ct.parties[k])
        attacked = aggr.any(axis=1)
        out[:, p, q] += _close(state, col, open_ & ~attacked, reliability, breach, fulfil)
        if attacked.any():  # most months no one strikes a party: nothing to count
            kept = _kept_this_month(kind, choices, p, q, aggr)
            state.crisis_months[:, col] += attacked
            state.crisis_kept[:, col] += attacked & kept
    return out


def _close(state, col: int, ending: np.ndarray, reliability: float, breach: float,
           fulfil: float) -> np.ndarray:
    """(R,) the verdicts on the crises of clause pair ``col`` that end where ``ending``
    holds (0 elsewhere), their counters reset for the next crisis."""
    if not ending.any():
        return np.zeros(len(ending))
    months = state.crisis_months[:, col]
    share = state.crisis_kept[:, col] / np.maximum(months, 1.0)
    judged = np.where(ending, verdict(share, reliability, breach, fulfil), 0.0)
    state.crisis_months[ending, col] = 0.0
    state.crisis_kept[ending, col] = 0.0
    return judged
