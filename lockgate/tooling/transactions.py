"""Sample card transactions with fraud and late chargebacks, deterministic for a seed: the
deliveries of the `transactions` and `chargebacks` datasets (`lockgate transactions`).

A bank of `accounts` card holders, each with a home country, a usual spend and usual channels,
pays `merchants` of a dozen categories. A day holds about `rows` transactions, spread over
the hours with the daytime peak real card traffic has. About 0.3% of them are fraud, with the
patterns fraud teams know: a compromised card spent in bursts within minutes, abroad, online,
at night, at electronics, gift-card and crypto merchants, for amounts far above the holder's
usual. Each fraud is charged back 10 to 60 days after it happened (a few genuine payments are
disputed too), delivered in the `chargebacks` dataset on the day it is reported: a label that
matures late. A `broken_share` of rows is damaged the ways upstream files are (a bad amount, an
empty account, an unknown currency, a cut line), for the ingestion's quarantine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

CATEGORIES = (
    "grocery",
    "restaurants",
    "fuel",
    "travel",
    "utilities",
    "clothing",
    "pharmacy",
    "entertainment",
    "electronics",
    "gift_cards",
    "crypto",
    "cash_advance",
)
RISKY = ("electronics", "gift_cards", "crypto")
CHANNELS = ("chip", "contactless", "online", "atm")
COUNTRIES = ("DE", "FR", "NL", "GB", "IT", "ES", "US", "PL", "RO", "NG", "BR", "CN")
HOME = COUNTRIES[:6]
CURRENCIES = {"GB": "GBP", "US": "USD", "PL": "PLN"}
TRANSACTION_COLUMNS = (
    "txn_id",
    "account_id",
    "merchant_id",
    "merchant_category",
    "merchant_country",
    "home_country",
    "channel",
    "amount",
    "currency",
    "booked_at",
)
CHARGEBACK_COLUMNS = ("chargeback_id", "txn_id", "reported_at", "reason")
# Frauds drawn per transaction; half of them come with a burst of two more, so about 0.3% of
# the day's rows are fraud.
FRAUD_RATE = 0.0015
DISPUTE_RATE = 0.0004  # genuine payments disputed all the same


@dataclass(frozen=True)
class Population:
    """The card holders and merchants every day of a seed draws from."""

    home: np.ndarray  # account -> index into COUNTRIES
    usual: np.ndarray  # account -> median spend
    online: np.ndarray  # account -> share of online payments
    category: np.ndarray  # merchant -> index into CATEGORIES
    country: np.ndarray  # merchant -> index into COUNTRIES

    @classmethod
    def of(cls, seed: int, accounts: int, merchants: int) -> Population:
        rng = np.random.default_rng([seed, 0])
        weights = np.array([10, 6, 4, 1, 3, 3, 2, 2, 1.5, 0.6, 0.3, 0.4])
        return cls(
            home=rng.choice(len(HOME), accounts, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1]),
            usual=np.exp(rng.normal(3.4, 0.7, accounts)),
            online=rng.beta(2, 5, accounts),
            category=rng.choice(len(CATEGORIES), merchants, p=weights / weights.sum()),
            country=np.where(
                rng.random(merchants) < 0.85,
                rng.choice(len(HOME), merchants),
                rng.choice(len(COUNTRIES), merchants),
            ),
        )


@dataclass
class DaySummary:
    run_date: str
    transactions: int
    fraud: int
    broken: int
    chargebacks_by_day: dict[str, int]


def _day_seed(seed: int, day: str) -> list[int]:
    return [seed, int(hashlib.sha256(day.encode()).hexdigest()[:8], 16)]


def transactions_of_day(
    day: str,
    rows: int,
    seed: int = 7,
    accounts: int = 50_000,
    merchants: int = 5_000,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(the day's transactions as columns, each typed; whether each is fraud)."""
    population = Population.of(seed, accounts, merchants)
    rng = np.random.default_rng(_day_seed(seed, day))
    n = int(rng.poisson(rows))
    account = rng.integers(0, accounts, n)
    merchant = rng.integers(0, merchants, n)
    # Most payments are at a merchant of the holder's own country.
    domestic = rng.random(n) < 0.9
    for h in range(len(HOME)):
        local = np.flatnonzero(population.country == h)
        rows_h = np.flatnonzero(domestic & (population.home[account] == h))
        if local.size and rows_h.size:
            merchant[rows_h] = local[rng.integers(0, local.size, rows_h.size)]
    # Seconds of the day: a daytime peak (most card traffic is 08:00-22:00).
    hour = np.clip(rng.normal(14.5, 4.0, n), 0, 23.999)
    second = (hour * 3600).astype(np.int64)
    channel = np.where(
        rng.random(n) < population.online[account],
        CHANNELS.index("online"),
        rng.choice([0, 1, 3], n, p=[0.45, 0.5, 0.05]),
    )
    amount = population.usual[account] * np.exp(rng.normal(0, 0.6, n))
    m_country = population.country[merchant]
    m_category = population.category[merchant]
    fraud = rng.random(n) < FRAUD_RATE
    k = int(fraud.sum())
    if k:
        # Compromised cards: abroad, online, at night, risky merchants, amounts far above usual.
        risky = np.array([CATEGORIES.index(c) for c in RISKY])
        abroad = rng.choice(np.arange(len(HOME), len(COUNTRIES)), k)
        m_country[fraud] = np.where(rng.random(k) < 0.7, abroad, m_country[fraud])
        m_category[fraud] = np.where(rng.random(k) < 0.6, rng.choice(risky, k), m_category[fraud])
        channel[fraud] = np.where(rng.random(k) < 0.75, CHANNELS.index("online"), channel[fraud])
        amount[fraud] = amount[fraud] * np.exp(rng.normal(1.6, 0.7, k))
        night = rng.random(k) < 0.45
        second[fraud] = np.where(night, rng.integers(0, 5 * 3600, k), second[fraud])
    # A burst: a compromised card is spent again within minutes, at other risky merchants.
    burst_from = np.flatnonzero(fraud)[rng.random(k) < 0.5] if k else np.array([], np.int64)
    if burst_from.size:
        extra = burst_from.repeat(2)
        account = np.concatenate([account, account[extra]])
        merchant = np.concatenate([merchant, rng.integers(0, merchants, extra.size)])
        m_country = np.concatenate([m_country, m_country[extra]])
        m_category = np.concatenate([m_category, m_category[extra]])
        channel = np.concatenate([channel, channel[extra]])
        amount = np.concatenate([amount, amount[extra] * np.exp(rng.normal(0, 0.3, extra.size))])
        second = np.concatenate([second, second[extra] + rng.integers(30, 900, extra.size)])
        fraud = np.concatenate([fraud, np.ones(extra.size, bool)])
    second = np.minimum(second, 86_399)
    order = np.lexsort((account, second))
    start = np.datetime64(f"{day}T00:00:00", "s")
    home = population.home[account]
    columns = {
        "txn_id": np.array([f"{day.replace('-', '')}-{i:08d}" for i in range(order.size)]),
        "account_id": np.char.add("acc-", account[order].astype(str)),
        "merchant_id": np.char.add("mer-", merchant[order].astype(str)),
        "merchant_category": np.array(CATEGORIES)[m_category[order]],
        "merchant_country": np.array(COUNTRIES)[m_country[order]],
        "home_country": np.array(COUNTRIES)[home[order]],
        "channel": np.array(CHANNELS)[channel[order]],
        "amount": np.round(amount[order], 2),
        "currency": np.array([CURRENCIES.get(c, "EUR") for c in COUNTRIES])[m_country[order]],
        "booked_at": start + second[order],
    }
    return columns, fraud[order]


def chargebacks_of(day: str, columns: dict, fraud: np.ndarray, seed: int) -> list[dict]:
    """The chargebacks the day's transactions will bring, each with the day it is reported:
    every fraud, 10 to 60 days later, and a few disputed genuine payments."""
    rng = np.random.default_rng([*_day_seed(seed, day), 1])
    disputed = fraud | (rng.random(fraud.size) < DISPUTE_RATE)
    lag = rng.integers(10, 61, fraud.size)
    out = []
    for i in np.flatnonzero(disputed):
        booked = columns["booked_at"][i].astype(datetime)
        reported = booked + timedelta(days=int(lag[i]), seconds=int(rng.integers(0, 86_400)))
        out.append(
            {
                "chargeback_id": f"cb-{columns['txn_id'][i]}",
                "txn_id": str(columns["txn_id"][i]),
                "reported_at": reported.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "reason": "fraud" if fraud[i] else "dispute",
            }
        )
    return out


def _csv(path: Path, header: tuple[str, ...], lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(header) + "\n" + "".join(line + "\n" for line in lines))


def write_day(
    landing: Path,
    day: str,
    rows: int,
    seed: int = 7,
    broken_share: float = 0.002,
    accounts: int = 50_000,
    merchants: int = 5_000,
    initial_load_on: str | None = None,
) -> DaySummary:
    """The day's transactions delivery, `landing/transactions/<day>/transactions.csv`, and every
    chargeback they will bring, appended to the delivery of the day it is reported
    (`landing/chargebacks/<day>/from-<transaction day>.csv`).

    With `initial_load_on`, the day is part of the initial load a feed starts with: its
    transactions go into that day's delivery (`transactions-<day>.csv`, one file per day of
    history), and so do the chargebacks reported by the end of that day; later ones are
    delivered on the day they are reported, as usual."""
    columns, fraud = transactions_of_day(day, rows, seed, accounts, merchants)
    rng = np.random.default_rng([*_day_seed(seed, day), 2])
    text = {
        name: (
            np.char.mod("%.2f", values)
            if name == "amount"
            else np.datetime_as_string(values, unit="s") + "Z"
            if name == "booked_at"
            else values
        )
        for name, values in columns.items()
    }
    lines = [",".join(row) for row in zip(*(text[c] for c in TRANSACTION_COLUMNS), strict=True)]
    broken = np.flatnonzero(rng.random(len(lines)) < broken_share)
    for i, kind in zip(broken, rng.integers(0, 4, broken.size), strict=True):
        fields = lines[i].split(",")
        if kind == 0:
            fields[TRANSACTION_COLUMNS.index("amount")] = "n/a"
        elif kind == 1:
            fields[TRANSACTION_COLUMNS.index("account_id")] = ""
        elif kind == 2:
            fields[TRANSACTION_COLUMNS.index("currency")] = "XXX"
        else:
            fields = fields[:4]  # a line cut short
        lines[i] = ",".join(fields)
    name = "transactions.csv" if initial_load_on is None else f"transactions-{day}.csv"
    _csv(landing / "transactions" / (initial_load_on or day) / name, TRANSACTION_COLUMNS, lines)
    by_day: dict[str, list[str]] = {}
    for chargeback in chargebacks_of(day, columns, fraud, seed):
        reported = chargeback["reported_at"][:10]
        if initial_load_on is not None and reported <= initial_load_on:
            reported = initial_load_on
        by_day.setdefault(reported, []).append(",".join(chargeback[c] for c in CHARGEBACK_COLUMNS))
    for reported, found in sorted(by_day.items()):
        _csv(landing / "chargebacks" / reported / f"from-{day}.csv", CHARGEBACK_COLUMNS, found)
    if initial_load_on is None:
        # The scheme's daily file arrives on a day without chargebacks too, with its header
        # alone: an empty delivery, not a missing one (which ingestion refuses).
        _csv(landing / "chargebacks" / day / f"reported-{day}.csv", CHARGEBACK_COLUMNS, [])
    return DaySummary(
        run_date=day,
        transactions=len(lines),
        fraud=int(fraud.sum()),
        broken=int(broken.size),
        chargebacks_by_day={d: len(v) for d, v in sorted(by_day.items())},
    )


def days(first: str, count: int) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=n)).isoformat() for n in range(count)]
