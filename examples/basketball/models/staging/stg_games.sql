-- One row per game, with the totals and the winner.
MODEL (
  name staging.stg_games,
  kind FULL,
  grain game_id
);

SELECT
  game_id,
  game_date,
  season,
  home_team,
  away_team,
  home_points,
  away_points,
  status,
  home_points + away_points AS total_points,
  CASE WHEN home_points > away_points THEN home_team ELSE away_team END AS winner
FROM raw.games
