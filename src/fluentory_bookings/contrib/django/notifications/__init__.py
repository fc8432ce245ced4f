"""What the app tells people: notifications of booking events (e-mail by default) and reminders."""
