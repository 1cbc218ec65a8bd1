"""The operator's identity on a hub with sign-in (issue 17): sign-in, sign-out, the lock, and
what the signed-in operator may do. See README.md."""
