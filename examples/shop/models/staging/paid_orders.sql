-- EMBEDDED: no table of its own; SQLMesh inlines this query into its two children as a subquery.
MODEL (
  name staging.paid_orders,
  kind EMBEDDED
);

SELECT
  order_id,
  customer_id,
  order_date,
  amount
FROM staging.stg_orders
WHERE status = 'paid'
