"""Benchmark of issue 12: what drawing an invoice costs beyond WeasyPrint itself.

    .venv/bin/python bench/invoices.py                 # 40 invoices of 6 lines, interleaved
    .venv/bin/python bench/invoices.py --count 100 --lines 20 --json /tmp/invoices.json

No database: an invoice is drawn from its snapshot (``documents.content``), built here from an
unsaved order. Timed one after the other (each going first every other run), so both see the
same machine load:

- ours: ``documents.rendering.document_pdf`` — the template, WeasyPrint as PDF/A-3b, the
  Factur-X XML (lxml), its XSD check and its embedding by the ``factur-x`` library;
- bare: ``weasyprint.HTML(string=<the same HTML>).write_pdf()``.

Prints the median and p95 of each and their ratio (goal: ours ≤ 1.2 × bare). The figures are
only as steady as the machine is idle.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: bench/ is first on the path, not the repo
    sys.path.insert(0, str(REPO))

GOAL = 1.2
WARM_UP = 3


def sample_content(lines: int) -> dict:
    from customers.models import Customer
    from documents.content import invoice_content
    from orders.models import Order, OrderLine

    order = Order(
        number="SO-123456",
        currency="USD",
        email="ada@example.com",
        customer=Customer(name="Ada Lovelace", email="ada@example.com"),
        shipping_address={
            "name": "Ada Lovelace",
            "line1": "1 Main Street",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
        },
        shipping_total=Decimal("4.90"),
    )
    rate = Decimal("0.08875")
    order_lines = []
    for index in range(lines):
        price, quantity = Decimal("12.50") + index, 1 + index % 3
        total = price * quantity
        order_lines.append(
            OrderLine(
                sku=f"SKU-{index:04d}",
                name=f"Product number {index}",
                quantity=quantity,
                unit_price=price,
                line_total=total,
                tax_rate=rate,
                tax_amount=(total * rate).quantize(Decimal("0.01")),
            )
        )
    return invoice_content(
        order,
        lines=order_lines,
        number="INV-2026-000001",
        issued_on=date(2026, 12, 1),
        paid=Decimal("0"),
        agreed_due=None,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(count: int, lines: int) -> dict:
    from weasyprint import HTML

    from documents import rendering

    content = sample_content(lines)
    html = rendering.document_html(content)
    timed = {"ours": [], "bare": []}
    draw = {
        "ours": lambda: rendering.document_pdf(content),
        "bare": lambda: HTML(string=html).write_pdf(),
    }
    for index in range(WARM_UP + count):
        # each goes first every other time, so neither always follows the other's garbage
        for name in ("ours", "bare") if index % 2 else ("bare", "ours"):
            start = time.perf_counter()
            draw[name]()
            if index >= WARM_UP:
                timed[name].append((time.perf_counter() - start) * 1000)
    ours, bare = timed["ours"], timed["bare"]
    figures = {
        "count": count,
        "lines": lines,
        "ours_median_ms": statistics.median(ours),
        "ours_p95_ms": percentile(ours, 0.95),
        "bare_median_ms": statistics.median(bare),
        "bare_p95_ms": percentile(bare, 0.95),
    }
    figures["ratio_median"] = figures["ours_median_ms"] / figures["bare_median_ms"]
    figures["ratio_p95"] = figures["ours_p95_ms"] / figures["bare_p95_ms"]
    figures["pass"] = figures["ratio_median"] <= GOAL
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=40, help="invoices timed (after 3 warm-up)")
    parser.add_argument("--lines", type=int, default=6, help="lines per invoice")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    import django

    django.setup()
    logging.disable(logging.WARNING)  # WeasyPrint and factur-x log each document and font
    figures = run(args.count, args.lines)
    print(f"Invoice PDF, {figures['lines']} lines, {figures['count']} runs (ms)")
    print(f"  {'':<34}{'median':>9}{'p95':>9}")
    print(
        f"  {'ours (PDF/A-3 + Factur-X)':<34}"
        f"{figures['ours_median_ms']:>9.1f}{figures['ours_p95_ms']:>9.1f}"
    )
    print(
        f"  {'bare WeasyPrint, same HTML':<34}"
        f"{figures['bare_median_ms']:>9.1f}{figures['bare_p95_ms']:>9.1f}"
    )
    print(
        f"  {'ratio':<34}{figures['ratio_median']:>9.2f}{figures['ratio_p95']:>9.2f}"
        f"   goal ≤ {GOAL}: {'PASS' if figures['pass'] else 'FAIL'}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
