"""Treaties with clauses: what they are, when they bind, and how actions keep or breach them.

A treaty in force does two things. Continuously, it resists the decline of its parties'
alignment towards the level it codifies (institutionalist commitment). When a clause's
trigger happens (a party is attacked; or, for a standing pledge such as not joining
sanctions on the partner, every month), it creates obligations: the other parties' actions
are checked against them, and a breach costs the breacher the victim's alignment, while
honouring a mutual-defence clause earns the victim's gratitude and the aggressor's enmity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.actions import ASSISTANCE, DEFENCE_SUPPORT, HOSTILE, MILITARY_ASSISTANCE, Dyadic
from sim.calendar import Month, month_index
from sim.provenance import SignedSourced, UnitSourced

ClauseKind = Literal[
    "non_assistance_to_aggressor", "non_use_of_territory", "consultation", "mutual_defence",
    "no_sanctions_on_partner",
]
CLAUSE_KINDS: tuple[str, ...] = ClauseKind.__args__  # type: ignore[attr-defined]
Trigger = Literal["attack_on_party", "in_force"]

#: What sets each clause off. Attack clauses bind while a non-party strikes a party;
#: ``no_sanctions_on_partner`` binds every month the treaty is in force.
TRIGGER_OF: dict[str, str] = {
    "non_assistance_to_aggressor": "attack_on_party",
    "non_use_of_territory": "attack_on_party",
    "consultation": "attack_on_party",
    "mutual_defence": "attack_on_party",
    "no_sanctions_on_partner": "in_force",
}




class Clause(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClauseKind
    trigger: Trigger | None = Field(
        default=None, description="what sets the clause off; each kind has one (TRIGGER_OF)")
    breach_cost: UnitSourced = Field(
        description="force against the breacher in the victim's treaty-commitment driver "
                    "(and the utility cost a party weighs before breaching)")
    fulfil_value: UnitSourced = Field(
        description="force for the party in the victim's treaty-commitment driver when honoured")


    @model_validator(mode="after")
    def _trigger(self) -> Clause:
        expected = TRIGGER_OF[self.kind]
        if self.trigger is not None and self.trigger != expected:
            raise ValueError(f"clause {self.kind!r} is triggered by {expected!r}, "
                             f"not {self.trigger!r}")
        return self


class Treaty(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    name: str
    parties: list[str] = Field(min_length=2)
    signed: Month
    expires: Month | None = None
    strength: UnitSourced = Field(description="institutional weight of the commitment")
    anchor: SignedSourced = Field(description="the alignment the treaty codifies")
    clauses: list[Clause] = []

    @model_validator(mode="after")
    def _check(self) -> Treaty:
        if len(set(self.parties)) != len(self.parties):
            raise ValueError("a party is listed twice")
        if self.expires is not None and month_index(self.expires, self.signed) <= 0:
            raise ValueError(f"expires {self.expires} is not after signed {self.signed}")
        return self


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

    def in_force(self, step: int) -> np.ndarray:
        return (self.start <= step) & (step < self.end)

    def commitment(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(strength, anchor) matrices, (N, N), of the treaties binding each pair now."""
        n = self.parties.shape[1]
        strength = np.zeros((n, n))
        anchor = np.full((n, n), -np.inf)
        for k in np.flatnonzero(self.in_force(step)):
            pair = np.outer(self.parties[k], self.parties[k])
            np.fill_diagonal(pair, False)
            strength = np.where(pair, np.minimum(1.0, strength + self.strength[k]), strength)
            anchor = np.where(pair, np.maximum(anchor, self.anchor[k]), anchor)
        return strength, np.where(np.isfinite(anchor), anchor, 0.0)


def compile_treaties(treaties: list[Treaty], ids: tuple[str, ...], start: str,
                     horizon: int) -> CompiledTreaties:
    """Compile treaties whose parties are all in the roster (others are left out)."""
    pos = {a: i for i, a in enumerate(ids)}
    kept = [t for t in treaties if all(p in pos for p in t.parties)]
    k, n = len(kept), len(ids)
    parties = np.zeros((k, n), dtype=bool)
    clauses = []
    for c, t in enumerate(kept):
        parties[c, [pos[p] for p in t.parties]] = True
        clauses += [(c, cl.kind, cl.breach_cost.value, cl.fulfil_value.value)
                    for cl in t.clauses]
    far = horizon + 10**6
    return CompiledTreaties(
        ids=tuple(t.id for t in kept), parties=parties,
        start=np.array([month_index(t.signed, start) for t in kept], dtype=np.int64),
        end=np.array([month_index(t.expires, start) if t.expires else far for t in kept],
                     dtype=np.int64),
        strength=np.array([t.strength.value for t in kept]),
        anchor=np.array([t.anchor.value for t in kept]),
        clauses=tuple(clauses),
    )


def _pairs(parties: np.ndarray):
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
    its choice: required help becomes more attractive, forbidden help less.
    """
    r, n = war.shape[0], war.shape[1]
    adj: np.ndarray | None = None
    live = ct.in_force(step)
    slot = np.full(n, -1, dtype=np.int64)
    bound = np.flatnonzero(ct.parties[live].any(axis=0)) if live.any() else []
    slot[bound] = np.arange(len(bound))
    for k, kind, breach, _ in ct.clauses:
        if not live[k]:
            continue
        for p, q in _pairs(ct.parties[k]):
            if kind != "no_sanctions_on_partner" and not (war[:, :, p] > 0).any():
                continue
            if adj is None:
                adj = np.zeros((r, len(bound), n, len(Dyadic)))
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


def adjudicate_clauses(ct: CompiledTreaties, war: np.ndarray, choices: np.ndarray,
                       step: int) -> np.ndarray:
    """Treaty signal (R, N, N): how each triggered clause was kept or broken this month.

    ``signal[r, p, q]`` is added to p's view of q: +fulfil when q honoured the clause,
    -breach when q broke it; honouring mutual defence also costs q the aggressor's view.
    """
    r, n = war.shape[0], war.shape[1]
    signal = np.zeros((r, n, n))
    live = ct.in_force(step)
    for k, kind, breach, fulfil in ct.clauses:
        if not live[k]:
            continue
        for p, q in _pairs(ct.parties[k]):
            if kind == "no_sanctions_on_partner":
                signal[:, p, q] -= breach * (choices[:, q, p] == Dyadic.SANCTION)
                continue
            aggr = _aggressors(war, p, ct.parties[k])
            attacked = aggr.any(axis=1)
            if not attacked.any():
                continue
            toward_p = choices[:, q, p]
            if kind in ("non_assistance_to_aggressor", "non_use_of_territory"):
                banned = ASSISTANCE if kind == "non_assistance_to_aggressor" \
                    else MILITARY_ASSISTANCE
                broke = (np.isin(choices[:, q, :], banned) & aggr).any(axis=1)
                kept = attacked & ~broke
            elif kind == "mutual_defence":
                kept = attacked & np.isin(toward_p, DEFENCE_SUPPORT)
                broke = attacked & ~kept
                signal[:, :, q] -= fulfil * (aggr & kept[:, None])
            else:  # consultation
                broke = attacked & np.isin(toward_p, HOSTILE)
                kept = attacked & (toward_p == Dyadic.DIPLOMATIC_COVER)
            signal[:, p, q] += fulfil * kept - breach * broke
    return signal
