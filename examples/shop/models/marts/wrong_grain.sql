-- Wrong grain: declares `customer_key`, a column this model does not have (it has customer_id). SQLMesh loads and
-- builds it all the same; only a grain-keyed join (a table diff) fails on it.
MODEL (
  name marts.wrong_grain,
  kind FULL,
  grain customer_key
);

SELECT
  customer_id,
  MIN(order_date) AS first_order_date,
  MAX(order_date) AS last_order_date,
  COUNT(*) AS order_count
FROM staging.stg_orders
GROUP BY customer_id
