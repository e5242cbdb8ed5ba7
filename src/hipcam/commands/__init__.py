"""Sub-commands of the hipcam CLI (one module each)."""
