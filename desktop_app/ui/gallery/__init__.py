"""The gallery window: every kept output in a virtual grid, with filters, flags, delete with undo and export."""
