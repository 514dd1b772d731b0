"""Pydantic response models, one module per audience; they make the OpenAPI schema exact."""
