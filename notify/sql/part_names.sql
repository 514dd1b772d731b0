SELECT sku, name FROM part
