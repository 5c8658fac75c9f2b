"""The schedule: a day view by operatory and a week view for one provider."""
