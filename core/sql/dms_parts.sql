-- Part ids by SKU; SKUs not in the catalogue are missing from the answer.
SELECT sku, id FROM part WHERE sku = ANY(%(skus)s)
