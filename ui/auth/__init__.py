"""Sign-in, enrollment, the idle lock and user administration windows."""
