-- The raw order feed, as the shop exports it: cancelled and refunded orders stay in.
MODEL (
  name raw.orders,
  kind SEED (path '../../seeds/orders.csv'),
  columns (
    order_id INT,
    customer_id INT,
    order_date DATE,
    amount DECIMAL(10, 2),
    status TEXT
  ),
  grain order_id
);
