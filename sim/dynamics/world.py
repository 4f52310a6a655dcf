"""The compiled, unchanging context of a run: roster arrays, rates, treaties, sanctions, events.

Why separate from `State`: the world is shared by every replicate of a scenario and never
changes during a run, so it is built once, checked once, and passed by reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.calendar import month_label
from sim.dynamics.obligations import CompiledTreaties

if TYPE_CHECKING:  # the dynamics read these inputs' compiled fields; they never build them
    from sim.dynamics.params import DynamicsFile
    from sim.inputs.events import Hazard
    from sim.inputs.roster import Roster
    from sim.inputs.scenario import Scenario


class Rates(dict):
    """The dynamics parameters, readable as attributes (``w.p.noise_sd``), and fixed once
    made: a world computes what it derives from them once (`World.derived`), so a rate
    changed in place would leave those stale. Another world is built with other values
    (``sim.api.world(params=...)``, ``dataclasses.replace``)."""

    def __getattr__(self, name: str) -> float:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def _fixed(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a world's rates are fixed once it is built; build another world "
                        "with the values wanted (sim.api.world(params=...))")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _fixed
    __ior__ = _fixed

    def __reduce__(self):  # pickled by value (a sweep's workers), not item by item
        return (Rates, (dict(self),))


@dataclass(frozen=True)
class CompiledSanctions:
    primary: np.ndarray  # (steps, N, N) [imposer, target]
    secondary: np.ndarray  # (steps, N, N) [imposer, target] weight on third parties



@dataclass(frozen=True)
class World:
    scenario: Scenario
    roster: Roster
    p: Rates
    start: str
    horizon: int
    treaties: CompiledTreaties
    sanctions: CompiledSanctions
    scheduled: dict[int, list] = field(default_factory=dict)
    hazards: list[tuple[Hazard, int, int]] = field(default_factory=list)
    initial_alignment: np.ndarray = None  # type: ignore[assignment]
    initial_balance: np.ndarray = None  # type: ignore[assignment]
    #: (N, N) the standing residual of each dyad (`sim.dynamics.drivers.standing`)
    standing: np.ndarray = None  # type: ignore[assignment]
    #: the world of the scenario that fixes the residual; None: this one
    standing_world: World | None = None
    #: (D, N, N) each driver's contribution at the family's documented start, from which a
    #: run's shares of the latent level start (`sim.dynamics.state.starting_shares`); computed once
    start_contributions: np.ndarray | None = None
    #: the dynamics table it was compiled with: the evidence and the stated uncertainty of
    #: each rate, from which `sim.dynamics.params.plausible_ranges` gives the ranges around
    #: the world's own values (None: the built-in table)
    dynamics_table: DynamicsFile | None = None

    #: what the month derives from the world alone (`derived`), made once
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        return self.roster.n

    @property
    def kappa(self) -> float:
        """Share of the gap to its target a relation covers in a month."""
        return self.derived("kappa", lambda: 1.0 - 2.0 ** (-1.0 / self.p.adjustment_half_life))

    @property
    def memory_rate(self) -> float:
        """Share of the gap to the realised level the memory covers in a month."""
        return self.derived("memory_rate",
                            lambda: 1.0 - 2.0 ** (-1.0 / self.p.memory_half_life))

    def derived(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once for this world: constants the month reads from the
        rates and the roster (tables of impulses, decay factors, the rates in a kernel's
        order). Why: made anew every month, a dozen such small things cost a small
        batch's month a tenth of its time. Arrays are made read-only, since every month
        of every block shares them; the rates cannot change (`Rates`), and
        ``dataclasses.replace`` gives a new world an empty store."""
        try:
            return self._derived[name]
        except KeyError:
            value = make()
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            self._derived[name] = value
            return value

    def date(self, step: int) -> str:
        return month_label(self.start, step)

    def sanctions_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        """(primary, secondary) scheduled sanctions matrices at a step."""
        k = min(step, self.sanctions.primary.shape[0] - 1)
        return self.sanctions.primary[k], self.sanctions.secondary[k]
