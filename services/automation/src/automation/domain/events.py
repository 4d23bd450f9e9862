"""Subjects of the events this service publishes (`<service>.<entity>.<past-tense-verb>`)."""

RUN_COMPLETED = "automation.run.completed"
TASK_CREATED = "automation.task.created"
TASK_COMPLETED = "automation.task.completed"
