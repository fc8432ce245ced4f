"""Thin doors for students and teachers: parse, authorize, call one service, render."""
