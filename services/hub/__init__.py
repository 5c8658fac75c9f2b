"""The practice hub: PKI, join codes and the hub's services (no HTTP server here)."""
