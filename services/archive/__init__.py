"""Archive sync: the only data that leaves the office — encrypted, signed, hash-chained audit batches."""
