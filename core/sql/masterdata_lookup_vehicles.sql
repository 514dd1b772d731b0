-- The id of each vehicle with one of the given VINs.
SELECT vin, id, NULL::text FROM vehicle WHERE vin = ANY(%(keys)s::text[]);
