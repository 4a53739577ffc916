-- Self-referencing: each day's lifetime revenue is the last total this table already holds before the window, plus
-- the running sum of daily revenue inside the window. Built in a dev environment from a later start, the table has no
-- earlier rows to read, so its totals differ from prod's although the code is the same.
-- Every projection is cast to a type: SQLMesh requires that of self-referencing models, and then creates the empty
-- table before the first run, so the self-reference needs no "does the table exist" guard. Any batch size is correct.
MODEL (
  name marts.running_revenue,
  kind INCREMENTAL_BY_TIME_RANGE (time_column order_date),
  grain order_date
);

SELECT
  CAST(daily.order_date AS DATE) AS order_date,
  CAST(daily.revenue AS DECIMAL(12, 2)) AS revenue,
  CAST(
    COALESCE(
      (
        SELECT previous.lifetime_revenue
        FROM marts.running_revenue AS previous
        WHERE previous.order_date < @start_ds
        ORDER BY previous.order_date DESC
        LIMIT 1
      ),
      0
    ) + SUM(daily.revenue) OVER (ORDER BY daily.order_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    AS DECIMAL(14, 2)
  ) AS lifetime_revenue
FROM marts.daily_revenue AS daily
WHERE daily.order_date BETWEEN @start_ds AND @end_ds
