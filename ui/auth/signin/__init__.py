"""The sign-in window and its steps, one module each."""
