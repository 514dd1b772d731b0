-- Each part's name and list price (null: not priced, so no estimate for a job that needs it).
SELECT sku, name, price FROM part
