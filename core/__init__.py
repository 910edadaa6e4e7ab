"""Ground-floor helpers shared by every app; imports no project app."""
