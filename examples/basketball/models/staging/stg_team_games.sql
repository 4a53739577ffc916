-- One row per team per game: the game seen from each side.
MODEL (
  name staging.stg_team_games,
  kind FULL,
  grain (game_id, team)
);

SELECT game_id, game_date, season, home_team AS team, away_team AS opponent, TRUE AS is_home,
  home_points AS points, away_points AS points_allowed
FROM staging.stg_games
UNION ALL
SELECT game_id, game_date, season, away_team AS team, home_team AS opponent, FALSE AS is_home,
  away_points AS points, home_points AS points_allowed
FROM staging.stg_games
