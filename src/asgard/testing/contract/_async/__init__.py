"""The async contract classes (the ``_sync`` package beside this one is generated)."""
