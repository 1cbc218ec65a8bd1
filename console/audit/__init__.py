"""The audit trail: every operator action, journaled here, kept in the hub's signed Merkle log."""
