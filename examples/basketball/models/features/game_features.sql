-- Per team and game: result, margin, rest days and form over the last five games.
MODEL (
  name features_dev.game_features,
  kind INCREMENTAL_BY_TIME_RANGE (time_column game_date),
  grain (game_id, team)
);

WITH history AS (
  SELECT
    *,
    LAG(game_date) OVER (PARTITION BY team ORDER BY game_date, game_id) AS previous_game_date,
    AVG(points) OVER (
      PARTITION BY team ORDER BY game_date, game_id ROWS BETWEEN 4 PRECEDING AND CURRENT ROW
    ) AS points_avg_last_5
  FROM staging.stg_team_games
)
SELECT
  game_id,
  game_date,
  season,
  team,
  opponent,
  is_home,
  points,
  points_allowed,
  @point_margin(points, points_allowed) AS margin,
  points > points_allowed AS is_win,
  game_date - previous_game_date AS rest_days,
  ROUND(points_avg_last_5, 2) AS points_avg_last_5
FROM history
WHERE game_date BETWEEN @start_ds AND @end_ds
