"""Subjects of the events this service publishes (`<service>.<entity>.<past-tense-verb>`)."""

from moodline.events.v1 import subjects

RUN_COMPLETED = subjects.AUTOMATION_RUN_COMPLETED
TASK_CREATED = subjects.AUTOMATION_TASK_CREATED
TASK_COMPLETED = subjects.AUTOMATION_TASK_COMPLETED
