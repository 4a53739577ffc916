-- Incremental with a unique key: SQLMesh's dbt loader makes it INCREMENTAL_BY_UNIQUE_KEY and forward-only.
{{ config(materialized='incremental', unique_key='order_id', grain='order_id') }}

select
    order_id,
    customer_id,
    order_date,
    amount,
    status,
    status = 'paid' as is_paid
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where order_date > (select max(order_date) from {{ this }})
{% endif %}
