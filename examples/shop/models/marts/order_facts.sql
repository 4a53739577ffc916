-- Forward-only: a change never rebuilds history; a dev environment gets an empty table unless the plan builds a preview.
MODEL (
  name marts.order_facts,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column order_date,
    forward_only true
  ),
  grain order_id
);

SELECT
  order_id,
  customer_id,
  order_date,
  amount,
  status,
  status = 'paid' AS is_paid
FROM staging.stg_orders
WHERE order_date BETWEEN @start_ds AND @end_ds
