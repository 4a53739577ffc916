-- The raw game feed, as the league publishes it: postponed games stay in with zero points.
MODEL (
  name raw.games,
  kind SEED (path '../../seeds/games.csv'),
  columns (
    game_id INT,
    game_date DATE,
    season TEXT,
    home_team TEXT,
    away_team TEXT,
    home_points INT,
    away_points INT,
    status TEXT
  ),
  grain game_id
);
