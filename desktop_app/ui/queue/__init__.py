"""The job queue's window parts: the queue panel (a dock) and the "Add to queue" dialog."""
