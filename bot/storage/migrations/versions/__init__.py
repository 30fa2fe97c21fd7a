"""One file per schema change, oldest first (``down_revision`` links them)."""
