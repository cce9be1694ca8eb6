"""The sops file format and binary: creation rules, metadata, data keys, values."""
