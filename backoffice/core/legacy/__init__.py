"""The takeover of the old system's history (« reprise »): each migration is a batch that every record it
wrote carries, so that it can be listed, counted and — before go-live — undone."""
