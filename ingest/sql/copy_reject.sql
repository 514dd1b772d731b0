COPY ingest_reject (topic, vin, reason, detail, sample_index, payload) FROM STDIN
