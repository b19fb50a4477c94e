"""Files: uploads in parts to a pluggable storage, file records attached to offers and collections."""
