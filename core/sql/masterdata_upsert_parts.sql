-- Parts by SKU, from a JSON array of rows. Returns (sku, created) for each row inserted or changed.
INSERT INTO part AS p (sku, name, price)
SELECT r.sku, r.name, r.price
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (sku text, name text, price numeric)
ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price
WHERE (p.name, p.price) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.price)
RETURNING p.sku, xmax = 0 AS created;
