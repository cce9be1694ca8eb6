"""The git seam, blobs and commits."""
