"""The audit trail: every operator action, journaled here and kept in the hub's signed Merkle log."""
