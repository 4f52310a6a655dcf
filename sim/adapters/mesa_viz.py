"""A Mesa SolaraViz page for the alignment model: key dyads over time and the matrix.

Why a module of its own: Mesa's visualisation needs Altair, which the simulation does not,
so it is an optional extra (``pip install -e '.[viz]'``); importing this module without it
fails at once with a message naming the extra, not deep inside Mesa.

Serve it with ``solara run sim/adapters/mesa_viz.py`` (the `Page` component), or in a notebook show
``make_page()``. The page steps the same `sim.runs.model.AlignmentModel` the ensemble runs; its
Reset button rebuilds the model from the chosen scenario, replicate seed and horizon.
"""

from __future__ import annotations

from typing import Any

try:
    import altair as alt
    from mesa.visualization import SolaraViz, make_plot_component
except ImportError as exc:  # altair missing: mesa.visualization imports it at once
    raise ImportError(
        "sim.adapters.mesa_viz needs the optional 'viz' extra (Altair, for Mesa's SolaraViz): "
        "pip install -e '.[viz]'") from exc

import pandas as pd
import solara

from sim.core.settings import get_settings
from sim.runs.model import DEFAULT_SCENARIO, AlignmentModel

#: Dyads the line plot follows when none are given (source:target).
DEFAULT_DYADS = "RUS:IRN,IRN:RUS,USA:RUS,USA:IRN"


def alignment_frame(model: AlignmentModel) -> pd.DataFrame:
    """This month's alignment as long rows (source, target, alignment), the diagonal left
    out: it is 1 by definition, not a relation."""
    ids = model.world.roster.ids
    a = model.state.alignment[0]
    rows = [(s, t, round(float(a[i, j]), 2)) for i, s in enumerate(ids)
            for j, t in enumerate(ids) if i != j]
    return pd.DataFrame(rows, columns=["source", "target", "alignment"])


def alignment_chart(model: AlignmentModel) -> alt.Chart:
    """A heat map of the alignment matrix: rows stand towards columns, red against, blue
    with, on the fixed scale [-1, 1] so that colours compare across months."""
    ids = list(model.world.roster.ids)
    return (
        alt.Chart(alignment_frame(model))
        .mark_rect()
        .encode(
            x=alt.X("target:N", sort=ids, title="towards"),
            y=alt.Y("source:N", sort=ids, title="actor"),
            color=alt.Color("alignment:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]),
                            title="alignment"),
            tooltip=["source", "target", alt.Tooltip("alignment:Q", format=".2f")],
        )
        .properties(width=420, height=420,
                    title=f"Alignment, month {model.state.step} ({model.scenario_name})")
    )


def AlignmentMatrix(model: AlignmentModel) -> Any:
    """The heat map as a page component (SolaraViz redraws it after every step)."""
    return solara.FigureAltair(alignment_chart(model))


def scenario_names() -> list[str]:
    """The scenarios a user can choose on the page: the files in ``scenarios/``."""
    return sorted(p.stem for p in get_settings().scenarios_dir.glob("*.toml"))


def model_params(scenario: str = DEFAULT_SCENARIO, rng: int = 1, months: int = 120,
                 dyads: str = DEFAULT_DYADS) -> dict[str, Any]:
    """The page's inputs. ``scenario_name`` is the field of `sim.runs.model.AlignmentScenario`:
    SolaraViz passes Mesa's ``scenario`` itself on Reset, so the choice travels in it."""
    return {
        "scenario_name": {"type": "Select", "value": scenario, "values": scenario_names(),
                          "label": "Scenario"},
        "rng": {"type": "SliderInt", "value": rng, "min": 0, "max": max(999, rng),
                "step": 1, "label": "Replicate seed"},
        "months": {"type": "SliderInt", "value": months, "min": 1, "max": max(240, months),
                   "step": 1, "label": "Months"},
        "collect": dyads,
    }


def make_page(model: AlignmentModel | None = None, *, scenario: str = DEFAULT_SCENARIO,
              rng: int = 1, months: int = 120, dyads: str = DEFAULT_DYADS) -> Any:
    """The SolaraViz page: a line plot of ``dyads`` and mean alignment, and the matrix.

    ``model`` must collect every month (``collect=...``) for the line plot; by default one
    is built from the other arguments.
    """
    if model is None:
        model = AlignmentModel(scenario=scenario, rng=rng, months=months, collect=dyads)
    elif not model.collect_monthly:
        raise ValueError("the page plots monthly data: build the model with collect=True "
                         "(or collect='RUS:IRN,...')")
    followed = ",".join(f"{a}:{b}" for a, b in model.dyads or [])
    measures = [*followed.split(","), "mean_alignment"]
    return SolaraViz(
        model,
        components=[make_plot_component(measures, backend="altair"), AlignmentMatrix],
        model_params=model_params(model.scenario_name, model.seed_value, model.stop,
                                  followed),
        name="Russia-Iran alignment",
    )


@solara.component
def Page() -> Any:
    """The app ``solara run sim/adapters/mesa_viz.py`` serves: the baseline, replicate seed 1."""
    model = solara.use_memo(lambda: AlignmentModel(rng=1, collect=DEFAULT_DYADS), [])
    return make_page(model)
