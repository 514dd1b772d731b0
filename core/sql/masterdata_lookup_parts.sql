-- The id of each part with one of the given SKUs.
SELECT sku, id, NULL::text FROM part WHERE sku = ANY(%(keys)s::text[]);
