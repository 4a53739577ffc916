"""Writes seeds/orders.csv: 300 deterministic shop orders between 2025-01-01 and 2025-03-31 (same output on every run)."""
import csv
import datetime as dt
import random
from pathlib import Path

ORDERS = 300
CUSTOMERS = 40
FIRST_DAY = dt.date(2025, 1, 1)
DAYS = 90  # 2025-01-01 .. 2025-03-31


def orders(rng: random.Random):
    for _ in range(ORDERS):
        order_date = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        customer_id = rng.randint(1, CUSTOMERS)
        amount = f"{rng.randint(500, 25000) / 100:.2f}"
        roll = rng.random()
        status = "cancelled" if roll < 0.08 else "refunded" if roll < 0.15 else "paid"
        yield order_date.isoformat(), customer_id, amount, status


def main() -> None:
    # Order ids follow the order date, as a shop's would.
    drawn = sorted(orders(random.Random(20250101)), key=lambda row: row[0])
    rows = [(order_id, customer_id, day, amount, status) for order_id, (day, customer_id, amount, status) in enumerate(drawn, 1)]
    path = Path(__file__).parent / "seeds" / "orders.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["order_id", "customer_id", "order_date", "amount", "status"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
