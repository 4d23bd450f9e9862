from __future__ import annotations

from moodline_kit.config import GrpcServiceSettings


class CustomerSettings(GrpcServiceSettings, service="customer"):
    # host:port of the conversation service; when set, the list's `q` also matches customers by
    # what they wrote (SearchMessages). Empty: profile fields only.
    conversation_addr: str = ""
    # Deadline of that search; past it the list answers without message matches.
    conversation_search_timeout: float = 0.5
    # Durable name of the read-model consumer on each upstream stream (declared by the chart).
    read_model_consumer: str = "customer-read-model"
    # The Celery queue of import and export jobs and of beat's jobs (tests give each worker a
    # queue of its own). Not CELERY_QUEUE: a local platform passes one environment to every
    # process, and that one names the automation worker's queue.
    jobs_queue: str = "customer"
    # Largest file an import accepts (bytes).
    max_import_bytes: int = 512 * 1024 * 1024
    # Rows an import writes per transaction (one COPY per table, one event per chunk).
    import_batch_size: int = 5000
    # Imports of at least this many rows validate their chunks in a child process (phone
    # numbers are most of the CPU), beside the job writing the chunk before; smaller ones in a
    # thread (no process start). 0: never a process.
    import_validation_process_rows: int = 20_000
    # Seconds an import job waits after each committed chunk (tests: to stop a worker mid-way).
    import_pause_seconds: float = 0.0
    # How long an export's file is kept (seconds).
    export_ttl_seconds: int = 24 * 3600
    # Seconds between the worker's sweeps for imports to resume (after a worker was lost).
    import_sweep_seconds: float = 60.0
