-- Wins, losses and average margin per team and season.
MODEL (
  name marts.team_standings,
  kind FULL,
  grain (season, team)
);

SELECT
  season,
  team,
  COUNT(*) AS games,
  SUM(CASE WHEN is_win THEN 1 ELSE 0 END) AS wins,
  SUM(CASE WHEN is_win THEN 0 ELSE 1 END) AS losses,
  ROUND(AVG(margin), 2) AS avg_margin
FROM features_dev.game_features
GROUP BY season, team
