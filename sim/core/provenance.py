"""Provenance of every number the model takes from outside itself.

A scholar must be able to ask of any parameter "where does this come from?" and get
either a document and a verbatim quote, or an honest "this is our assumption, because…".
`Sourced` carries that answer beside the value, so that it cannot be separated from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.core.paths import REPO_ROOT

Confidence = Literal["high", "medium", "low"]

#: The five source documents shipped in ``../shared/seeds``. A citation must name one of them.
SOURCE_FILES: tuple[str, ...] = (
    "000_1c102562a537b58e.txt",
    "001_379727125cb813d3.txt",
    "002_7bb19861f2b5e61b.txt",
    "003_ce207ddf94db0e6d.txt",
    "004_ad51de1e5cf64859.txt",
)

#: Longest quote accepted: the project quotes its sources in short citations only.
MAX_QUOTE_CHARS = 300


class Citation(BaseModel):
    """The evidence for something: a source document and a quote, or an assumption.

    Exactly one of two things must hold: it cites a source document (``source`` and
    ``quote``), or it is an assumption (``assumption`` gives the reason). A citation may carry
    a note on how the quote was turned into a number or a choice.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = Field(default=None, description="file name in shared/seeds")
    quote: str | None = Field(default=None, min_length=3,
                              description="short verbatim quote from the source")
    confidence: Confidence = "low"
    assumption: str | None = Field(default=None, min_length=3,
                                   description="why, when no document fixes it")
    note: str | None = Field(default=None, description="how the quote became this value")

    @model_validator(mode="after")
    def _cited_or_assumed(self) -> Citation:
        cited = self.source is not None or self.quote is not None
        if cited and (self.source is None or self.quote is None):
            raise ValueError("a citation needs both 'source' and 'quote'")
        if cited and self.assumption is not None:
            raise ValueError("a value is either cited or an assumption, not both")
        if not cited and self.assumption is None:
            raise ValueError(
                "give 'source' and 'quote' from a document, or mark it with 'assumption'"
            )
        if self.source is not None and self.source not in SOURCE_FILES:
            raise ValueError(
                f"source {self.source!r} is not one of the source documents: "
                + ", ".join(SOURCE_FILES)
            )
        if self.quote is not None and len(self.quote) > MAX_QUOTE_CHARS:
            raise ValueError(f"quote is {len(self.quote)} characters; keep it under "
                             f"{MAX_QUOTE_CHARS} (a short citation)")
        return self

    @property
    def is_assumption(self) -> bool:
        return self.assumption is not None

    def describe(self) -> str:
        """One line a reader can check against the source."""
        if self.is_assumption:
            return f"assumption ({self.confidence}): {self.assumption}"
        return f'{self.source} ({self.confidence}): "{self.quote}"'


class Sourced(Citation):
    """A number with the evidence for it (see `Citation`)."""

    value: float


def iter_citations(obj: Any, path: str = "") -> Iterator[tuple[str, Citation]]:
    """Every `Citation` (so every `Sourced` value) reachable from a validated model, with a
    readable path to it: what provenance checks walk over, whatever the file's shape."""
    if isinstance(obj, Citation):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_citations(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, dict):
        for key, val in obj.items():
            yield from iter_citations(val, f"{path}[{key!r}]")
    elif isinstance(obj, list | tuple):
        for i, val in enumerate(obj):
            yield from iter_citations(val, f"{path}[{i}]")


def in_range(lo: float, hi: float) -> AfterValidator:
    """Pydantic validator: a `Sourced` value must lie in [lo, hi] (one wording everywhere)."""
    def check(v: Sourced) -> Sourced:
        if not lo <= v.value <= hi:
            raise ValueError(f"value {v.value} is outside the allowed range "
                             f"[{float(lo)}, {float(hi)}]")
        return v
    check.low, check.high = float(lo), float(hi)  # type: ignore[attr-defined]  # read by sim.inputs.registry
    return AfterValidator(check)


#: A sourced value in [0, 1] and one in [-1, 1], the two ranges most values live in.
UnitSourced = Annotated[Sourced, in_range(0.0, 1.0)]
SignedSourced = Annotated[Sourced, in_range(-1.0, 1.0)]


def normalise_text(text: str) -> str:
    """Fold typographic quotes, dashes and whitespace so a quote matches its source.

    The documents mix curly and straight quotes and wrap lines arbitrarily; a citation
    should not fail on that, but must fail on any change of words.
    """
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                           "\u2013": "-", "\u2014": "-", "\u00a0": " "})
    return re.sub(r"\s+", " ", text.translate(table)).strip().lower()


def quote_in_document(quote: str, document: Path) -> bool:
    """True when the quote appears verbatim (up to typography) in the document."""
    return normalise_text(quote) in normalise_text(document.read_text(encoding="utf-8"))


def default_seeds_dir() -> Path:
    """Where the source documents live in a checkout: ``../shared/seeds`` beside the repo."""
    return REPO_ROOT.parent / "shared" / "seeds"
