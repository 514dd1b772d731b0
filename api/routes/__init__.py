"""HTTP routes, one module per audience: service centers, owners, operators."""
