"""The master-data import: streaming readers, reference resolution and upserts by natural key (the one writer of
the master-data tables), and the report. The records and their checks are domain/masterdata's."""
