"""Treaties with clauses as a scenario states them: parties, dates, clauses and their values.

A treaty in force does two things. At all times it is worth something to its parties:
reassurance, and for a mutual-defence clause deterrence (the treaty-commitment and
common-threat drivers). When a clause's trigger happens (a party is attacked; or, for a
standing pledge such as not joining sanctions on the partner, every month), it creates
obligations that the bound parties weigh in their choices. Conduct is judged once per
crisis, when it ends, against the expected reliability of alliances (Leeds, Long & Mitchell
2000: about three quarters of obligations honoured): the verdict is a treaty episode on the
protected party's view of its partner, and evidence for its distrust. A sanction in breach
of a standing pledge is judged the month it happens.

This module is the language and its compile step; what the clauses do month by month is
`sim.dynamics.obligations`.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core.calendar import Month, month_index
from sim.core.provenance import SignedSourced, UnitSourced
from sim.dynamics.obligations import CompiledTreaties, clause_pairs_of

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
        description="latent impulse against the breacher in the protected party's view when a "
                    "crisis passes with no month kept (the utility cost a party weighs before "
                    "breaching, too); see `verdict`")
    fulfil_value: UnitSourced = Field(
        description="latent impulse for the party in the protected party's view when every "
                    "month of a crisis was kept")


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
    anchor: SignedSourced = Field(description="the alignment the treaty codifies (kept as "
                                              "documentation; the dynamics read strength)")
    clauses: list[Clause] = []

    @model_validator(mode="after")
    def _check(self) -> Treaty:
        if len(set(self.parties)) != len(self.parties):
            raise ValueError("a party is listed twice")
        if self.expires is not None and month_index(self.expires, self.signed) <= 0:
            raise ValueError(f"expires {self.expires} is not after signed {self.signed}")
        return self


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
    pairs = []
    for c, kind, breach, fulfil in clauses:
        for p, q in clause_pairs_of(parties[c]):
            pairs.append((c, kind, int(p), int(q), breach, fulfil))
    far = horizon + 10**6
    return CompiledTreaties(
        ids=tuple(t.id for t in kept), parties=parties,
        start=np.array([month_index(t.signed, start) for t in kept], dtype=np.int64),
        end=np.array([month_index(t.expires, start) if t.expires else far for t in kept],
                     dtype=np.int64),
        strength=np.array([t.strength.value for t in kept]),
        anchor=np.array([t.anchor.value for t in kept]),
        clauses=tuple(clauses), clause_pairs=tuple(pairs),
    )


