"""The pure domain layer every stage may import: vocabulary, typed contracts between stages, shared business rules.

No I/O, no clock, no settings in here (tests/core/test_boundaries.py keeps it so).
"""
