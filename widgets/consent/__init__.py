"""Views of private cameras and consent (issue 18, section 3)."""
