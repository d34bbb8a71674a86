"""Ingest: landed files and warehouse queries read, validated and loaded into raw and core."""
