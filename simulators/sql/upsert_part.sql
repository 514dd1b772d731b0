-- One part by SKU; returns its id.
INSERT INTO part (sku, name) VALUES (%(sku)s, %(name)s)
ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name
RETURNING id;
