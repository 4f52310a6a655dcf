"""The constellation figure: fixed positions, one edge per strong pair coloured by sign,
highlights for the seminar, a PNG beside the key-dyads figure of every run."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

import sim.runs.network_figure as nf
from sim.runs.run_job import run_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Four actors with hand-set ties: mean of both directions RUS-IRN +0.60, RUS-USA -0.70,
#: IRN-USA (+0.30 - 0.10)/2 = +0.10 (below the threshold), RUS-CHN +0.14 (below),
#: IRN-CHN -0.16 (above), USA-CHN -0.50.
IDS = ["RUS", "IRN", "USA", "CHN"]
POWER = np.array([0.6, 0.25, 1.0, 0.8])
A = np.array([
    [1.00, 0.55, -0.70, 0.14],
    [0.65, 1.00, 0.30, -0.16],
    [-0.70, -0.10, 1.00, -0.50],
    [0.14, -0.16, -0.50, 1.00],
])
DRAWN = {("RUS", "IRN"): 0.60, ("RUS", "USA"): -0.70, ("IRN", "CHN"): -0.16,
         ("USA", "CHN"): -0.50}


@pytest.fixture
def ax():
    fig, axes = plt.subplots()
    yield axes
    plt.close(fig)


def _artists(ax, prefix: str) -> dict[str, object]:
    """Artists of ``ax`` whose gid starts with ``prefix``, by the rest of their gid."""
    found = [*ax.lines, *ax.texts, *ax.collections]
    return {a.get_gid()[len(prefix):]: a for a in found
            if a.get_gid() and a.get_gid().startswith(prefix)}


def _node_offsets(ax) -> np.ndarray:
    (nodes,) = [c for c in ax.collections if c.get_gid() == "nodes"]
    return np.asarray(nodes.get_offsets())


# ------------------------------------------------------------------------------ layout


def test_layout_is_deterministic_and_depends_on_the_ids_only(baseline_world):
    ids = list(baseline_world.roster.ids)
    pos = nf.layout(ids)
    assert pos == nf.layout(ids) == nf.layout(tuple(ids))
    assert set(pos) == set(ids)
    # every actor on the unit circle, no two in one place
    assert all(math.isclose(math.hypot(x, y), 1.0) for x, y in pos.values())
    assert len({(round(x, 9), round(y, 9)) for x, y in pos.values()}) == len(ids)
    # the roster's actors all belong to a group, so the order they are given in is irrelevant
    assert nf.layout(list(reversed(ids))) == pos


def test_layout_places_actors_it_has_no_group_for():
    pos = nf.layout(["RUS", "XX", "YYY"])
    assert set(pos) == {"RUS", "XX", "YYY"}
    assert pos["RUS"] == pytest.approx((0.0, 1.0))  # the first group starts at the top
    with pytest.raises(ValueError, match="distinct"):
        nf.layout(["RUS", "RUS"])


def test_node_positions_do_not_move_with_the_alignment():
    pictures = []
    for matrix in (A, -A, np.zeros_like(A), np.ones_like(A)):
        fig, ax = plt.subplots()
        nf.draw_network(ax, IDS, POWER, matrix)
        pictures.append(_node_offsets(ax))
        plt.close(fig)
    expected = np.array([nf.layout(IDS)[i] for i in IDS])
    for offsets in pictures:
        np.testing.assert_allclose(offsets, expected)


# ------------------------------------------------------------------------------- edges


def test_one_edge_per_pair_above_the_threshold_and_none_below(ax):
    edges = nf.draw_network(ax, IDS, POWER, A)
    drawn = _artists(ax, "edge ")
    assert set(drawn) == {f"{a}-{b}" for a, b in DRAWN}
    assert set(edges) == set(DRAWN)
    assert all(isinstance(line, Line2D) for line in drawn.values())
    # each line joins the two actors' positions
    pos = nf.layout(IDS)
    for (a, b), line in edges.items():
        np.testing.assert_allclose(np.column_stack(line.get_data()), [pos[a], pos[b]])


def test_threshold_argument_decides_which_pairs_are_drawn(ax):
    nf.draw_network(ax, IDS, POWER, A, threshold=0.0)
    assert len(_artists(ax, "edge ")) == len(IDS) * (len(IDS) - 1) // 2
    fig, high = plt.subplots()
    nf.draw_network(high, IDS, POWER, A, threshold=0.65)
    assert set(_artists(high, "edge ")) == {"RUS-USA"}
    plt.close(fig)


def test_edge_count_on_the_baseline_ensemble(baseline_world, baseline_record, ax):
    m = nf.median_alignment(baseline_record, baseline_record.alignment.shape[0] - 1)
    sym = (m + m.T) / 2
    expected = int((np.abs(sym[np.triu_indices(len(sym), k=1)]) >= nf.DEFAULT_THRESHOLD).sum())
    nf.draw_network(ax, baseline_world.roster.ids, baseline_world.roster.power, m)
    assert 0 < len(_artists(ax, "edge ")) == expected < len(sym) * (len(sym) - 1) // 2


def test_edge_colour_follows_the_sign_and_width_the_strength(ax):
    edges = nf.draw_network(ax, IDS, POWER, A)
    for pair, value in DRAWN.items():
        r, _, b, _ = to_rgba(edges[pair].get_color())
        assert (b > r) if value > 0 else (r > b), (pair, value)
    widths = {pair: edges[pair].get_linewidth() for pair in DRAWN}
    alphas = {pair: edges[pair].get_alpha() for pair in DRAWN}
    by_strength = sorted(DRAWN, key=lambda p: abs(DRAWN[p]))
    assert [widths[p] for p in by_strength] == sorted(widths.values())
    assert [alphas[p] for p in by_strength] == sorted(alphas.values())
    assert widths[("RUS", "USA")] > widths[("IRN", "CHN")]


def test_labels_are_the_ids_in_a_readable_font(ax):
    nf.draw_network(ax, IDS, POWER, A, title="start 2025-01")
    labels = _artists(ax, "label ")
    assert set(labels) == set(IDS)
    assert all(t.get_text() == i and t.get_fontsize() >= 12 for i, t in labels.items())
    assert ax.get_title() == "start 2025-01"


def test_node_area_grows_with_power(ax):
    nf.draw_network(ax, IDS, POWER, A)
    (nodes,) = [c for c in ax.collections if c.get_gid() == "nodes"]
    sizes = nodes.get_sizes()
    assert list(np.argsort(sizes)) == list(np.argsort(POWER))


# -------------------------------------------------------------------------- highlights


def test_marked_actors_get_a_distinct_outline(ax):
    nf.draw_network(ax, IDS, POWER, A, marked={"RUS", "IRN"})
    (nodes,) = [c for c in ax.collections if c.get_gid() == "nodes"]
    colours = [tuple(c) for c in nodes.get_edgecolors()]
    widths = list(nodes.get_linewidths())
    marked, plain = [0, 1], [2, 3]
    assert {colours[k] for k in marked} == {to_rgba(nf.MARK_COLOUR)}
    assert {colours[k] for k in plain} == {to_rgba(nf.PLAIN_OUTLINE)}
    assert min(widths[k] for k in marked) > max(widths[k] for k in plain)


def test_changed_pairs_are_highlighted_with_their_change(ax):
    edges = nf.draw_network(ax, IDS, POWER, A,
                            changed={("IRN", "RUS"): 0.1234, ("RUS", "CHN"): -0.05})
    halos = _artists(ax, "halo ")
    notes = _artists(ax, "change ")
    # pairs named in either order are drawn once, in roster order; a change on a tie below
    # the threshold is still shown
    assert set(halos) == set(notes) == {"RUS-IRN", "RUS-CHN"}
    assert notes["RUS-IRN"].get_text() == "+0.12"
    assert notes["RUS-CHN"].get_text() == "-0.05"
    halo = halos["RUS-IRN"]
    assert halo.get_linewidth() > edges[("RUS", "IRN")].get_linewidth()
    assert halo.get_zorder() < edges[("RUS", "IRN")].get_zorder()  # behind, as a halo
    # no halos when nothing changed
    fig, other = plt.subplots()
    nf.draw_network(other, IDS, POWER, A)
    assert not _artists(other, "halo ") and not _artists(other, "change ")
    plt.close(fig)


@pytest.mark.parametrize("kwargs, message", [
    ({"changed": {("RUS", "ATL"): 0.1}}, "unknown actor 'ATL'"),
    ({"changed": {("RUS", "RUS"): 0.1}}, "two different actors"),
    ({"marked": {"ATL"}}, "unknown marked actors"),
])
def test_highlights_naming_unknown_actors_are_refused(ax, kwargs, message):
    with pytest.raises(ValueError, match=message):
        nf.draw_network(ax, IDS, POWER, A, **kwargs)


def test_shapes_are_checked(ax):
    with pytest.raises(ValueError, match="alignment must be 4×4"):
        nf.draw_network(ax, IDS, POWER, A[:3, :3])
    with pytest.raises(ValueError, match="power must have 4 values"):
        nf.draw_network(ax, IDS, POWER[:3], A)


# ----------------------------------------------------------------------------- figure


def test_start_end_figure_is_a_png_of_the_ensemble_medians(baseline_world, baseline_record,
                                                           tmp_path, monkeypatch):
    calls = []
    draw = nf.draw_network

    def spy(ax, ids, power, alignment, **kwargs):
        calls.append((alignment, kwargs["title"]))
        return draw(ax, ids, power, alignment, **kwargs)

    monkeypatch.setattr(nf, "draw_network", spy)
    path = tmp_path / "network.png"
    nf.plot_network_start_end(baseline_world, baseline_record, path)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 50_000
    last = baseline_record.alignment.shape[0] - 1
    (start, start_title), (end, end_title) = calls
    np.testing.assert_allclose(start, np.median(baseline_record.alignment[0], axis=0))
    np.testing.assert_allclose(end, np.median(baseline_record.alignment[last], axis=0))
    assert start_title == f"start {baseline_world.date(0)}"
    assert end_title == (f"end {baseline_world.date(last)} "
                         f"(median of {len(baseline_record.seeds)} runs)")
    image = plt.imread(path)
    assert image.shape[1] > image.shape[0] > 500  # two panels side by side


def test_a_run_writes_the_network_beside_the_key_dyads(tmp_path):
    (tmp_path / "short.toml").write_text(
        'name = "short"\nextends = "baseline"\nhorizon_months = 3\n')
    out = run_scenario(str(tmp_path / "short.toml"), replicates=2, base_seed=5,
                       results_dir=tmp_path / "results", engine="batched")
    figures = {p.name: p for p in Path(out.directory).glob("*.png")}
    assert set(figures) == {"key_dyads.png", "network.png"}
    assert figures["network.png"].read_bytes()[:8] == PNG_SIGNATURE
