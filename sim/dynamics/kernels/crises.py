"""Compiled judging of treaty crises (`sim.dynamics.obligations.judge_crises` states the
rules): every clause pair of every replicate in one pass. In months of fighting the NumPy
version made a dozen small array operations per clause pair, the largest Python cost of a
month with few replicates (a Sobol design's points)."""

from __future__ import annotations

import numpy as np
from numba import njit

#: Clause kinds as the kernel knows them (`CLAUSE_CODES` maps the treaty language's names).
NO_SANCTIONS, NON_ASSISTANCE, NON_USE, MUTUAL_DEFENCE, CONSULTATION = range(5)
CLAUSE_CODES = {"no_sanctions_on_partner": NO_SANCTIONS,
                "non_assistance_to_aggressor": NON_ASSISTANCE,
                "non_use_of_territory": NON_USE, "mutual_defence": MUTUAL_DEFENCE,
                "consultation": CONSULTATION}


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _verdict(kept, months, reliability, breach, fulfil):
    """The verdict on a crisis from the share of its months the clause was kept."""
    share = kept / max(months, 1.0)
    if share >= reliability:
        return fulfil * ((share - reliability) / (1.0 - reliability))
    return breach * ((share - reliability) / reliability)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _aggressor(war, r, a, p, parties, k):
    """Whether, in replicate r, actor a strikes p and is no party of treaty k: the attack a
    clause of k answers (`sim.dynamics.obligations._aggressors`)."""
    return war[r, a, p] > 0.0 and not parties[k, a]


@njit(cache=True, nogil=True, error_model="numpy")
def judge_block(pair_treaty, pair_kind, pair_p, pair_q, pair_breach, pair_fulfil, live,
                parties, war, choices, reliability, sanction_code, banned_assist,
                banned_military, defence_support, hostile, crisis_months, crisis_kept, out):
    """Count this month's conduct into each open crisis, judge the crises that ended, and add
    the verdicts to ``out`` (R, N, N), ``[r, p, q]`` p's verdict on q, clause pairs in
    order. ``live`` (K,) which treaties are in force; the action masks (A,) say which
    actions each clause bans or asks for. `judge_of_replicate` for every replicate."""
    for r in range(war.shape[0]):
        judge_of_replicate(r, pair_treaty, pair_kind, pair_p, pair_q, pair_breach,
                           pair_fulfil, live, parties, war, choices, reliability,
                           sanction_code, banned_assist, banned_military, defence_support,
                           hostile, crisis_months, crisis_kept, out)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def judge_of_replicate(r, pair_treaty, pair_kind, pair_p, pair_q, pair_breach, pair_fulfil,
                       live, parties, war, choices, reliability, sanction_code, banned_assist,
                       banned_military, defence_support, hostile, crisis_months, crisis_kept,
                       out):
    """Replicate r's crises (`judge_block`); the month's resolution
    (`sim.dynamics.kernels.month.resolve_block`) calls it while the replicate is in cache."""
    n = war.shape[1]
    for col in range(pair_kind.shape[0]):
        k, kind = pair_treaty[col], pair_kind[col]
        p, q = pair_p[col], pair_q[col]
        months = crisis_months[r, col]
        if not live[k]:  # a treaty that lapses in a crisis: judged on its months in force
            if months > 0.0:
                out[r, p, q] += _verdict(crisis_kept[r, col], months, reliability,
                                         pair_breach[col], pair_fulfil[col])
                crisis_months[r, col] = 0.0
                crisis_kept[r, col] = 0.0
            continue
        if kind == NO_SANCTIONS:
            out[r, p, q] -= pair_breach[col] * (1.0 if choices[r, q, p] == sanction_code
                                                else 0.0)
            continue
        attacked = False
        for a in range(n):
            if _aggressor(war, r, a, p, parties, k):
                attacked = True
                break
        if not attacked:
            if months > 0.0:  # the crisis is over: judged once
                out[r, p, q] += _verdict(crisis_kept[r, col], months, reliability,
                                         pair_breach[col], pair_fulfil[col])
                crisis_months[r, col] = 0.0
                crisis_kept[r, col] = 0.0
            continue
        if kind in (NON_ASSISTANCE, NON_USE):
            banned = banned_assist if kind == NON_ASSISTANCE else banned_military
            kept = True
            for j in range(n):
                if _aggressor(war, r, j, p, parties, k) and banned[choices[r, q, j]]:
                    kept = False
        elif kind == MUTUAL_DEFENCE:
            kept = defence_support[choices[r, q, p]]
        else:  # consultation: no hostile move on the partner
            kept = not hostile[choices[r, q, p]]
        crisis_months[r, col] = months + 1.0
        crisis_kept[r, col] = crisis_kept[r, col] + (1.0 if kept else 0.0)


@njit(cache=True, nogil=True, error_model="numpy")
def obligations_bind(pair_treaty, pair_kind, pair_p, live, war):
    """Whether any clause binds this month in any replicate: a standing pledge in force, or
    a protected party of a treaty in force under attack by anyone (the rule of
    `sim.dynamics.obligations.obligation_utilities_reference`, whose array is made only
    then)."""
    n_rep, n, _ = war.shape
    for col in range(pair_kind.shape[0]):
        if not live[pair_treaty[col]]:
            continue
        if pair_kind[col] == NO_SANCTIONS:
            return True
        p = pair_p[col]
        for r in range(n_rep):
            for a in range(n):
                if war[r, a, p] > 0.0:
                    return True
    return False


@njit(cache=True, nogil=True, error_model="numpy")
def obligation_block(pair_treaty, pair_kind, pair_p, pair_q, pair_breach, live, parties, war,
                     slot, sanction_code, banned_assist, banned_military, defence_support,
                     hostile, adj):
    """What triggered clauses add to the bound actors' dyadic utilities, into ``adj``
    (R, S, N, A), ``slot`` (N,) each actor's row in it. Each replicate's part is zeroed
    first, while it is in cache (a zeroed allocation of the whole made fresh pages every
    month). Clause pairs go in order, and each adds in the order of the NumPy rule
    (`sim.dynamics.obligations.obligation_utilities_reference`), ``breach`` times 1 or 0 as
    its mask says, so that every element is the same sum in the same order. A replicate's
    additions read its own fighting only."""
    n_rep, n, _ = war.shape
    n_act = adj.shape[3]
    aggressor = np.empty(n)  # 1.0 where a strikes p and is no party of the treaty
    for r in range(n_rep):
        adj[r] = 0.0
        for col in range(pair_kind.shape[0]):
            k = pair_treaty[col]
            if not live[k]:
                continue
            kind, p, row, breach = pair_kind[col], pair_p[col], slot[pair_q[col]], \
                pair_breach[col]
            if kind == NO_SANCTIONS:
                adj[r, row, p, sanction_code] -= breach
                continue
            # Written with a branch, not as ``1.0 if _aggressor(...) else 0.0``: Numba
            # compiled that form to vector code that ran the kernel 8 times slower on the
            # benchmark machine (AVX-512; decision record 0020).
            attacked = 0.0
            for a in range(n):
                if _aggressor(war, r, a, p, parties, k):
                    aggressor[a] = 1.0
                    attacked = 1.0
                else:
                    aggressor[a] = 0.0
            if kind in (NON_ASSISTANCE, NON_USE):
                banned = banned_assist if kind == NON_ASSISTANCE else banned_military
                for a in range(n_act):
                    if not banned[a]:
                        continue
                    for j in range(n):
                        adj[r, row, j, a] -= breach * aggressor[j]
            elif kind == MUTUAL_DEFENCE:
                for a in range(n_act):
                    if defence_support[a]:
                        adj[r, row, p, a] += breach * attacked
            else:  # consultation
                for a in range(n_act):
                    if hostile[a]:
                        adj[r, row, p, a] -= breach * attacked
