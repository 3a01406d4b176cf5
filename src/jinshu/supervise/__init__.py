"""Supervision of the key tasks (督查): the tasks of the text and their responsible units,
annual action-plan items, progress reports, overdue and stale flags, the yearly assessment."""
