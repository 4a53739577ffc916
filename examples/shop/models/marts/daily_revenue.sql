-- Paid revenue per day, built incrementally by day.
MODEL (
  name marts.daily_revenue,
  kind INCREMENTAL_BY_TIME_RANGE (time_column order_date),
  grain order_date
);

SELECT
  order_date,
  CAST(SUM(amount) AS DECIMAL(12, 2)) AS revenue,
  COUNT(*) AS order_count
FROM staging.paid_orders
WHERE order_date BETWEEN @start_ds AND @end_ds
GROUP BY order_date
