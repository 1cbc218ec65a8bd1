"""Evidence export (issue 18, section 1): signed packs anyone can verify. See README.md."""
