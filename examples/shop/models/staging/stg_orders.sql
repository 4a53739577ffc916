-- One row per order. The change tests edit this model (for example adding WHERE status <> 'cancelled').
MODEL (
  name staging.stg_orders,
  kind FULL,
  grain order_id
);

SELECT
  order_id,
  customer_id,
  order_date,
  amount,
  status
FROM raw.orders
