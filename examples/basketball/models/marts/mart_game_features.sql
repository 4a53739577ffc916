-- One row per game, home and away features side by side: what the prediction model reads.
MODEL (
  name marts.mart_game_features,
  kind INCREMENTAL_BY_TIME_RANGE (time_column game_date),
  grain game_id
);

SELECT
  home.game_id,
  home.game_date,
  home.season,
  home.team AS home_team,
  away.team AS away_team,
  home.points AS home_points,
  away.points AS away_points,
  home.is_win AS home_win,
  home.rest_days AS home_rest_days,
  away.rest_days AS away_rest_days,
  home.rest_days - away.rest_days AS rest_advantage,
  home.points_avg_last_5 AS home_points_avg_last_5,
  away.points_avg_last_5 AS away_points_avg_last_5
FROM features_dev.game_features AS home
JOIN features_dev.game_features AS away
  ON home.game_id = away.game_id AND NOT away.is_home
WHERE home.is_home AND home.game_date BETWEEN @start_ds AND @end_ds
