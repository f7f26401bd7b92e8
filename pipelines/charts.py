"""Charts of the network's indicators, as PNG files published with the network dataset.

Drawn with matplotlib's Agg backend (no display, no fonts to fetch). Labels inside the
images are French and English: matplotlib does not shape or reorder Arabic, so Arabic
titles live in the HTML page and README next to each image, where the browser renders
them right-to-left. The PNGs carry no date, so the same indicators give the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .i18n import N_, fill, in_each, slashed, tr
from .schemas import load

matplotlib.use("Agg")

COLOURS = ("#1b6f8a", "#e07b39", "#6a994e", "#9c6ade")


@dataclass(frozen=True)
class Chart:
    file: str
    title: dict[str, str]


# Words inside the images: French first, then English (see the module's docstring).
COMMITMENTS = N_("Commitments")
NOT_ASSESSED = N_("Not assessed")
PARTICIPANTS = N_("Participants")
WOMEN_SHARE = N_("women's share")
DUE = N_("due")
ON_TIME = N_("done on time")
NO_DATA = N_("no data")
LEFT_OUT = N_("reported rows only: {count} illustrative or synthetic rows left out")


def fr_en(message: str) -> str:
    return slashed(message, ("fr", "en"))


CHARTS = tuple(
    Chart(file, in_each(title))
    for file, title in (
        ("chart-commitments-by-axis.png", N_("Commitments by axis")),
        ("chart-completion.png", N_("Commitments by completion level (IRM)")),
        ("chart-milestones-by-region.png", N_("Milestones due and done on time, by region")),
        (
            "chart-participation.png",
            N_("Workshop participants by stakeholder group, women's share"),
        ),
    )
)


def render(indicators: pd.DataFrame) -> dict[str, bytes]:
    """File name -> PNG bytes, one per chart in ``CHARTS``."""
    values = indicators.assign(number=pd.to_numeric(indicators["value"], errors="coerce"))
    network = values[values["level"] == "network"]
    totals = network[network["axis"] == ""].set_index("indicator")["number"]
    left = (
        pd.to_numeric(network[network["axis"] == ""].set_index("indicator")["left_out"])
        if "left_out" in network
        else pd.Series(dtype=float)
    )

    def left_out(indicator: str) -> str:
        """What the chart does not count, said on it (a reader of the image alone sees it)."""
        count = int(left.get(indicator, 0) or 0)
        return fill(fr_en(LEFT_OUT), {"count": count}) if count else ""

    by_axis = network[(network["indicator"] == "commitments") & (network["axis"] != "")]
    axis_labels = load("commitments").enum_labels("axis")
    completion_labels = load("commitments").enum_labels("completion")
    group_labels = load("workshop_participation").enum_labels("stakeholder_group")
    regions = values[(values["level"] == "region") & (values["axis"] == "")]
    drawn = {
        "chart-commitments-by-axis.png": _bars(
            [axis_labels.get(a, {}).get("fr", a) for a in by_axis["axis"]],
            {fr_en(COMMITMENTS): list(by_axis["number"])},
            note=left_out("commitments"),
        ),
        "chart-completion.png": _bars(
            [labels.get("fr", code) for code, labels in completion_labels.items()]
            + [tr("fr", NOT_ASSESSED)],
            {
                fr_en(COMMITMENTS): [
                    totals.get(f"completion_{code}", 0.0) for code in completion_labels
                ]
                + [totals.get("completion_not_assessed", 0.0)]
            },
            note=left_out("commitments"),
        ),
        "chart-milestones-by-region.png": _region_bars(regions, left_out("milestones_due")),
        "chart-participation.png": _bars(
            [labels.get("fr", g) for g, labels in group_labels.items()],
            {
                tr("fr", PARTICIPANTS): [
                    totals.get(f"participants_{g}", 0.0) for g in group_labels
                ],
            },
            note="\n".join(
                n for n in (_women(totals.get("women_share")), left_out("participants")) if n
            ),
        ),
    }
    return {chart.file: drawn[chart.file] for chart in CHARTS}


def _women(share: float | None) -> str:
    if share is None or pd.isna(share):
        return f"{fr_en(WOMEN_SHARE)}: —"
    return f"{fr_en(WOMEN_SHARE)}: {share:.0%}"


def _region_bars(regions: pd.DataFrame, note: str = "") -> bytes:
    table = regions.pivot_table(
        index="name_fr", columns="indicator", values="number", aggfunc="sum"
    ).reindex(columns=["milestones_due", "milestones_done_on_time"], fill_value=0.0)
    return _bars(
        list(table.index),
        {
            fr_en(DUE): list(table["milestones_due"].fillna(0.0)),
            fr_en(ON_TIME): list(table["milestones_done_on_time"].fillna(0.0)),
        },
        note=note,
    )


def _bars(labels: list[str], series: dict[str, list[float]], note: str = "") -> bytes:
    """Horizontal bars (long French labels stay readable), one colour per series."""
    height = max(2.5, 0.45 * len(labels) * max(1, len(series)) + 1.2)
    # A Figure of its own, not pyplot's global state: safe in Prefect's worker threads.
    fig = Figure(figsize=(8, height), dpi=96)
    ax = fig.subplots()
    if not labels:
        ax.text(0.5, 0.5, fr_en(NO_DATA), ha="center", va="center")
        ax.set_axis_off()
    else:
        width = 0.8 / len(series)
        for i, (name, numbers) in enumerate(series.items()):
            positions = [y + i * width for y in range(len(labels))]
            ax.barh(positions, numbers, height=width, label=name, color=COLOURS[i])
        ax.set_yticks([y + width * (len(series) - 1) / 2 for y in range(len(labels))])
        ax.set_yticklabels([textwrap.fill(label, 28) for label in labels])
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="lower right", fontsize="small")
        ax.spines[["top", "right"]].set_visible(False)
    if note:
        ax.set_title(note, fontsize="small", loc="left")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
