-- Duplicate grain: declares customer_id, but holds one row per customer *and status*, so most customers have several
-- rows with the same grain value.
MODEL (
  name marts.dup_grain,
  kind FULL,
  grain customer_id
);

SELECT
  customer_id,
  status,
  COUNT(*) AS order_count,
  CAST(SUM(amount) AS DECIMAL(12, 2)) AS amount
FROM staging.stg_orders
GROUP BY customer_id, status
