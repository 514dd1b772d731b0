"""Shared vocabulary and infrastructure for Carecast: contracts, settings, db, migrations, logging.

No business rules live here; every stage imports this package and never another stage.
"""
