-- One row per order, declared with a grain in its config.
{{ config(grain='order_id') }}

select
    order_id,
    customer_id,
    order_date,
    amount,
    status
from {{ ref('raw_orders') }}
