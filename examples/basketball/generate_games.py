"""Writes seeds/games.csv: two deterministic basketball seasons (same output on every run, no randomness source but a seed)."""
import csv
import datetime as dt
import random
from pathlib import Path

TEAMS = [
    "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
    "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
    "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
]
SEASONS = {"2024-25": dt.date(2024, 10, 22), "2025-26": dt.date(2025, 10, 21)}
GAMES_PER_DAY = 7
DAYS_PER_SEASON = 170


def games(rng: random.Random):
    game_id = 1
    for season, opening in SEASONS.items():
        for day in range(DAYS_PER_SEASON):
            game_date = opening + dt.timedelta(days=day)
            teams = rng.sample(TEAMS, GAMES_PER_DAY * 2)
            for i in range(GAMES_PER_DAY):
                home, away = teams[2 * i], teams[2 * i + 1]
                home_points = rng.randint(92, 132)
                away_points = rng.randint(90, 130)
                if home_points == away_points:
                    home_points += rng.choice([3, 5, 7])  # overtime: no ties in basketball
                # About 1 game in 60 is postponed: kept in the raw feed with zero points.
                status = "postponed" if rng.random() < 1 / 60 else "final"
                if status == "postponed":
                    home_points = away_points = 0
                yield [game_id, game_date.isoformat(), season, home, away, home_points, away_points, status]
                game_id += 1


def main() -> None:
    out = Path(__file__).parent / "seeds" / "games.csv"
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["game_id", "game_date", "season", "home_team", "away_team", "home_points", "away_points", "status"])
        writer.writerows(games(random.Random(20241022)))


if __name__ == "__main__":
    main()
