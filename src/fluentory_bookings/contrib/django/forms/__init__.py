"""Forms of the student and teacher pages: they parse input; the services decide."""
