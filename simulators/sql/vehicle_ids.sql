-- The id of every vehicle with one of the given VINs.
SELECT vin, id FROM vehicle WHERE vin = ANY(%(vins)s);
