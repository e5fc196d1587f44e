"""`keten analyse CHAIN`: the chain's flow, norms and KPIs in the terminal."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pandas as pd
from django.core.management.base import CommandError

from keten.cli import DataCommand
from keten.figures.metrics import ChainMetrics, chain_metrics
from keten.periods import next_month

FRAMES = (
    "kpis",
    "norm_compliance",
    "throughput",
    "duration_summary",
    "stage_times",
    "chain_stage_times",
    "handovers",
    "handovers_by_period",
    "dfg_partner",
    "dfg_activity",
    "variants",
    "rework",
    "dropout",
    "dropout_points",
    "stage_flow",
    "cases_per_partner",
)
# Shown by `--format table` unless --metric picks one.
TABLE_DEFAULT = (
    "kpis",
    "norm_compliance",
    "throughput",
    "stage_times",
    "chain_stage_times",
    "handovers",
    "rework",
    "dropout",
)


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """'2024', '2024-03', '2024-03-15' or 'FROM:TO' (both ends included) -> [start, end)."""
    parts = text.split(":")
    if len(parts) > 2 or not all(parts):
        raise ValueError(f"--period {text!r}: use YYYY, YYYY-MM, YYYY-MM-DD or FROM:TO.")
    first = _period_bounds(parts[0], text)
    last = _period_bounds(parts[-1], text)
    if last[1] <= first[0]:
        raise ValueError(f"--period {text!r}: the end lies before the start.")
    return first[0], last[1]


def _period_bounds(token: str, text: str) -> tuple[dt.date, dt.date]:
    try:
        if re.fullmatch(r"\d{4}", token):
            y = int(token)
            return dt.date(y, 1, 1), dt.date(y + 1, 1, 1)
        if re.fullmatch(r"\d{4}-\d{2}", token):
            start = dt.date.fromisoformat(token + "-01")
            return start, next_month(start)
        day = dt.date.fromisoformat(token)
        return day, day + dt.timedelta(days=1)
    except ValueError:
        raise ValueError(f"--period {text!r}: {token!r} is not YYYY, YYYY-MM or YYYY-MM-DD.") from None


def parse_as_of(text: str) -> dt.date:
    """'2025-10' -> 1 November 2025: the figures as they stood at the end of October."""
    message = f"--as-of {text!r}: use YYYY-MM (the figures at the end of that month)."
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError(message)
    try:
        end = _period_bounds(text, text)[1]
    except ValueError:
        raise ValueError(message) from None
    if end > dt.date.today():
        # "Now" would lie in the future and count open cases as late that are not.
        raise ValueError(f"--as-of {text!r}: that month is not over yet; choose an earlier month.")
    return end


def kpi_frame(metrics: ChainMetrics) -> pd.DataFrame:
    rows = [
        {
            "code": k.code,
            "name": k.name,
            "kind": k.kind,
            "chain_level": k.is_chain_level,
            "period": k.period,
            "value": k.value,
            "target": k.target,
            "direction": k.direction,
            "unit": k.unit,
            "status": k.status,
            "change": k.change,
            "cases": k.cases,
            "trend": [{"period": p, "value": v, "cases": n, "mature": m} for p, v, n, m in k.trend],
        }
        for k in metrics.kpis
    ]
    return pd.DataFrame(rows)


def frames(metrics: ChainMetrics) -> dict[str, pd.DataFrame]:
    out = {"kpis": kpi_frame(metrics)}
    for name in FRAMES[1:]:
        out[name] = getattr(metrics, name)
    return out


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


class Command(DataCommand):
    help = "Print a chain's flow metrics, norm compliance and KPIs (rich tables, JSON or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("chain", help="slug of the chain")
        parser.add_argument("--period", help="YYYY, YYYY-MM, YYYY-MM-DD or FROM:TO (cases that started then)")
        parser.add_argument("--grain", choices=["day", "week", "month"], default="month")
        parser.add_argument("--partner", help="only cases in which this partner has events")
        parser.add_argument("--attribute", help="KEY=VALUE: only cases with an event with this attribute")
        parser.add_argument(
            "--as-of", help="YYYY-MM: the figures as they stood at the end of that month, as in its report"
        )
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument("--metric", choices=FRAMES, help="print only this metric")

    def handle(self, *args, **options):
        from keten.chains.models import Chain

        try:
            chain = Chain.objects.get(slug=options["chain"])
        except Chain.DoesNotExist:
            known = ", ".join(Chain.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No chain {options['chain']!r}. Known chains: {known}.") from None
        start = end = None
        attribute = None
        try:
            if options["period"]:
                start, end = parse_period(options["period"])
            if options["attribute"]:
                key, sep, value = options["attribute"].partition("=")
                if not sep or not key:
                    raise ValueError(f"--attribute {options['attribute']!r}: use KEY=VALUE.")
                attribute = (key, value)
            as_of = parse_as_of(options["as_of"]) if options["as_of"] else None
            metrics = chain_metrics(
                chain,
                grain=options["grain"],
                start=start,
                end=end,
                partner=options["partner"],
                attribute=attribute,
                as_of=as_of,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        all_frames = frames(metrics)
        chosen = [options["metric"]] if options["metric"] else None
        fmt = options["format"]
        if fmt == "json":
            names = chosen or list(FRAMES)
            doc = {
                "chain": chain.slug,
                "engine": metrics.engine,
                "as_of": as_of.isoformat() if as_of else None,
                "extent": {
                    "first_event": _plain(metrics.first_event),
                    "last_event": _plain(metrics.last_event),
                    "events": metrics.events,
                    "cases": metrics.cases,
                    "active_batches": metrics.active_batches,
                    "partners_delivering": metrics.partners_delivering,
                },
                "chain_level_share": metrics.chain_level_share,
                "variant_count": metrics.variant_count,
            }
            for name in names:
                records = all_frames[name].to_dict(orient="records")
                doc[name] = [{k: _plain(v) for k, v in r.items()} for r in records]
            self.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False))
        elif fmt == "csv":
            names = chosen or list(FRAMES)
            for i, name in enumerate(names):
                buf = io.StringIO()
                all_frames[name].to_csv(buf, index=False)
                if not chosen:
                    self.stdout.write(("\n" if i else "") + f"# {name}")
                self.stdout.write(buf.getvalue().rstrip("\n"))
        else:
            self._tables(chain, metrics, all_frames, chosen or list(TABLE_DEFAULT))

    def _tables(self, chain, metrics: ChainMetrics, all_frames, names):
        from rich.console import Console
        from rich.table import Table

        console = Console(file=self.stdout, width=160)
        console.print(
            f"[bold]{chain.name}[/bold] — {metrics.events} events, {metrics.cases} cases, "
            f"{metrics.active_batches} active batches, partners delivering: "
            f"{', '.join(metrics.partners_delivering) or '-'}; "
            f"{_plain(metrics.first_event) or '-'} .. {_plain(metrics.last_event) or '-'}"
        )
        if metrics.chain_level_share is not None:
            console.print(f"Chain-level KPIs: {metrics.chain_level_share:.0%} of all KPIs")
        for name in names:
            df = all_frames[name]
            table = Table(title=name.replace("_", " "), title_justify="left")
            for col in df.columns:
                table.add_column(
                    str(col), justify="right" if pd.api.types.is_numeric_dtype(df[col]) else "left"
                )
            for row in df.head(40).itertuples(index=False):
                table.add_row(*(_cell(v) for v in row))
            console.print(table)
            if len(df) > 40:
                console.print(f"… {len(df) - 40} more rows (use --format csv --metric {name})")


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)
