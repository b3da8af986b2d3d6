"""The table `make bench` prints: one row per figure, its control, the ratio and the goal."""

from dataclasses import dataclass

from bench.traffic import Load


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    control: str = ""
    ratio: str = ""
    goal: str = ""
    meets: bool | None = None

    @classmethod
    def failed(cls, figure: str, reason: str, goal: str = "") -> "Row":
        one_line = " ".join(str(reason).split())
        return cls(figure, f"failed: {one_line}", goal=goal)


def ratio_row(figure: str, measured: Load, control: Load, *, goal: float, control_name: str) -> Row:
    """A row comparing the median latencies of two loads; met when at most `goal` times."""
    ratio = measured.p50_ms / control.p50_ms
    return Row(
        figure,
        str(measured),
        f"{control_name}: {control}",
        f"{ratio:.1f}x",
        f"<= {goal:g}x",
        ratio <= goal,
    )


def size(octets: int) -> str:
    if octets >= 1_000_000:
        return f"{octets / 1_000_000:.2f} MB"
    if octets >= 1000:
        return f"{octets / 1000:.1f} KB"
    return f"{octets} B"


def table(rows: list[Row]) -> str:
    lines = [
        "| figure | measured | control | ratio | goal | meets |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        meets = {True: "yes", False: "**no**", None: ""}[row.meets]
        cells = (row.figure, row.measured, row.control, row.ratio, row.goal, meets)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)
