-- No grain declared at all: one row per customer, but nothing tells a diff which column joins the rows.
MODEL (
  name marts.customer_revenue,
  kind FULL
);

SELECT
  customer_id,
  CAST(SUM(amount) AS DECIMAL(12, 2)) AS revenue,
  COUNT(*) AS order_count
FROM staging.paid_orders
GROUP BY customer_id
