"""PySide6 views, dialogs and view-models; calls services through the task runner."""
