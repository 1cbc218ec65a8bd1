"""Views of the operator's identity: sign-in, who is signed in, the lock (issue 17)."""
