"""Privacy masks drawn into every picture Tessera shows or writes (issue 18, section 2)."""
