"""The workflow screens: no-shows, insurance, recall, conflicts, waitlist, patient look-up."""
