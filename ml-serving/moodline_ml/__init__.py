"""Moodline sentiment/emotion model: training, export, evaluation (issue #6, model part)."""
