-- No grain declared: one row per customer, but nothing says so.
select
    customer_id,
    cast(sum(amount) as decimal(12, 2)) as revenue,
    count(*) as order_count
from {{ ref('stg_orders') }}
where status = 'paid'
group by customer_id
