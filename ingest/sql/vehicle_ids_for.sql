-- The vehicle ids of the given VINs (cache misses); unknown VINs are simply absent.
SELECT vin, id FROM vehicle WHERE vin = ANY(%(vins)s)
