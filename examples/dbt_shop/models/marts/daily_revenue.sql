-- Paid revenue per day; grain order_date.
{{ config(grain='order_date') }}

select
    order_date,
    cast(sum(amount) as decimal(12, 2)) as revenue,
    count(*) as order_count
from {{ ref('stg_orders') }}
where status = 'paid'
group by order_date
