"""The house matplotlib style used by every figure of the project.

Pure configuration: a dict of rcParams and a colour cycle; saving figures (I/O, metadata) is
done by the replication scripts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

#: rcParams of the house style.
STYLE: dict[str, object] = {
    "figure.figsize": (5.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.4,
    "lines.markersize": 3.0,
    "image.cmap": "viridis",
    # Deterministic files: no hash salt in SVG ids, no embedded creation dates (see savefig).
    "svg.hashsalt": "hessian-replications",
    "pdf.fonttype": 42,
}


def style_rc() -> dict[str, object]:
    """The rcParams of the house style, including the colour cycle."""
    from cycler import cycler

    return {**STYLE, "axes.prop_cycle": cycler(color=list(PALETTE))}


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Context manager applying the house style to figures created inside it."""
    import matplotlib as mpl

    with mpl.rc_context(style_rc()):
        yield
