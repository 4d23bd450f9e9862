"""Workflows: the trigger / condition / action language, its validation (every problem named by
its path) and the cycle check across a tenant's workflows. Plain Python, no I/O."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from moodline_kit.errors import FieldViolation, InvalidArgument
from moodline_kit.templating import placeholders

from automation.domain.run import Run, RunStatus

TRIGGERS = (
    "customer.created",
    "customer.stage_changed",
    "customer.status_changed",
    "customer.folder_changed",
    "customer.tag_added",
    "sentiment.turned_frustrated",
    "sentiment.changed",
    "payment.succeeded",
    "payment.failed",
    "booking.confirmed",
    "booking.cancelled",
    "invoice.overdue",
    "message.received",
    "manual",
)
# Triggers whose `to` names the value the changed field must take.
TRIGGERS_WITH_TO = (
    "customer.stage_changed",
    "customer.status_changed",
    "customer.folder_changed",
    "customer.tag_added",
)
ACTIONS = (
    "send_message",
    "create_task",
    "set_stage",
    "set_status",
    "set_folder",
    "add_tag",
    "remove_tag",
    "webhook",
    "wait",
)
OPERATORS = ("eq", "ne", "contains", "not_contains", "gt", "gte", "lt", "lte", "in")
UNARY_OPERATORS = ("is_set", "is_not_set")
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte")
STAGES = ("prospect", "lead", "customer", "repeat", "vip", "at_risk", "churned")
CALL_STATUSES = ("called", "no_answer", "left_voicemail", "spoke")
MESSAGE_CHANNELS = ("email", "sms", "whatsapp", "preferred")
PRIORITIES = ("low", "normal", "high")
SEGMENTS = ("vip", "happy", "neutral", "problem", "at_risk", "churned", "new")
CUSTOMER_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "email",
    "phone",
    "lifecycle_stage",
    "preferred_channel",
    "language",
    "timezone",
    "tags",
    "folder",
    "workers",
    "call_status",
    "vip",
    "lifetime_value_minor",
    "currency",
    "bookings_count",
    "purchases_count",
    "average_order_value_minor",
    "interactions_count",
    "most_common_channel",
)
SENTIMENT_FIELDS = (
    "label",
    "score",
    "frustration",
    "satisfaction",
    "confusion",
    "urgency",
    "trend",
)
CONSENT_KINDS = ("communication", "marketing", "data_processing", "email", "sms", "whatsapp")
MAX_NAME = 200
MAX_ACTIONS = 50
MAX_CONDITIONS = 50
MAX_TAG = 50
MAX_TEXT = 10_000
MIN_WAIT = timedelta(seconds=1)
MAX_WAIT = timedelta(days=90)
DEFAULT_COOLDOWN = 600
MAX_COOLDOWN = 30 * 24 * 3600
WAIT_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-zA-Z0-9_]+)*$")


@dataclass
class Workflow:
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    description: str
    enabled: bool
    trigger: dict[str, Any]
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    cooldown_seconds: int
    version: int
    created_at: datetime
    updated_at: datetime
    last_run_at: datetime | None = None

    @property
    def trigger_type(self) -> str:
        return str(self.trigger.get("type", ""))

    def definition(self) -> dict[str, Any]:
        """What a run copies of this workflow when it is created (later edits leave it be)."""
        return {
            "workflow_id": self.id,
            "workflow_name": self.name,
            "workflow_version": self.version,
            "conditions": self.conditions,
            "actions": self.actions,
        }

    def new_run(
        self, customer_id: uuid.UUID, *, now: datetime, trigger_type: str, **more: Any
    ) -> Run:
        """A pending run of this workflow as it is now (its definition copied into the run);
        `more`: the trigger's event, who started it, a status other than pending..."""
        fresh: dict[str, Any] = {"trigger_event_id": "", "event": {}, "started_by": ""}
        return Run(
            id=uuid.uuid4(),
            tenant_id=self.tenant_id,
            customer_id=customer_id,
            trigger_type=trigger_type,
            created_at=now,
            **self.definition(),
            **{**fresh, "status": RunStatus.PENDING, "error": "", **more},
        )


@dataclass
class Problems:
    found: list[FieldViolation] = field(default_factory=list)

    def add(self, name: str, description: str) -> None:
        self.found.append(FieldViolation(name, description))

    def check(self, ok: bool, name: str, description: str) -> bool:
        if not ok:
            self.add(name, description)
        return ok


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def known_field(path: str) -> bool:
    """Whether a condition may read this dotted path."""
    if not _FIELD_NAME.match(path):
        return False
    head, _, rest = path.partition(".")
    if head == "segment":
        return rest == ""
    if head == "event":
        return rest != ""
    if head == "sentiment":
        return rest in SENTIMENT_FIELDS
    if head == "consent":
        return rest in CONSENT_KINDS
    if head == "customer":
        return rest in CUSTOMER_FIELDS or (
            rest.startswith("custom.") and len(rest) > len("custom.")
        )
    return False


def wait_duration(action: dict[str, Any]) -> timedelta:
    total = sum(float(action.get(unit) or 0) * size for unit, size in WAIT_UNITS.items())
    return timedelta(seconds=total)


def _validate_trigger(trigger: Any, p: Problems) -> None:
    if not isinstance(trigger, dict):
        p.add("trigger", "is required: {type, to?}")
        return
    kind = trigger.get("type")
    if p.check(
        kind in TRIGGERS, "trigger.type", f"unknown trigger {kind!r}; one of: {', '.join(TRIGGERS)}"
    ):
        to = trigger.get("to")
        if to not in (None, ""):
            if p.check(
                kind in TRIGGERS_WITH_TO, "trigger.to", f"{kind} takes no `to` value"
            ) and p.check(isinstance(to, str), "trigger.to", "must be text"):
                if kind == "customer.stage_changed":
                    p.check(to in STAGES, "trigger.to", f"must be one of: {', '.join(STAGES)}")
                if kind == "customer.status_changed":
                    p.check(
                        to in CALL_STATUSES,
                        "trigger.to",
                        f"must be one of: {', '.join(CALL_STATUSES)}",
                    )
    for key in trigger:
        p.check(key in ("type", "to"), f"trigger.{key}", "unknown field")


def _validate_condition(index: int, condition: Any, p: Problems) -> None:
    at = f"conditions[{index}]"
    if not isinstance(condition, dict):
        p.add(at, "must be an object {field, op, value}")
        return
    path, op = condition.get("field"), condition.get("op")
    if not p.check(
        isinstance(path, str) and known_field(path),
        f"{at}.field",
        f"unknown field {path!r} (customer.<field>, customer.custom.<key>, sentiment.<field>, "
        "consent.<kind>, segment, event.<path>)",
    ):
        return
    if not p.check(
        op in OPERATORS + UNARY_OPERATORS,
        f"{at}.op",
        f"unknown operator {op!r}; one of: {', '.join(OPERATORS + UNARY_OPERATORS)}",
    ):
        return
    value = condition.get("value")
    if op in UNARY_OPERATORS:
        p.check("value" not in condition, f"{at}.value", f"{op} takes no value")
    elif op == "in":
        p.check(isinstance(value, list) and bool(value), f"{at}.value", "in needs a non-empty list")
    elif op in NUMERIC_OPERATORS:
        p.check(_number(value), f"{at}.value", f"{op} needs a number")
    else:
        p.check(
            value is not None and not isinstance(value, dict | list),
            f"{at}.value",
            "is required (text, number or boolean)",
        )
    if path == "segment" and op in ("eq", "ne"):
        p.check(value in SEGMENTS, f"{at}.value", f"must be one of: {', '.join(SEGMENTS)}")
    for key in condition:
        p.check(key in ("field", "op", "value"), f"{at}.{key}", "unknown field")


ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "send_message": ("channel", "text", "template", "subject", "marketing", "staff_email"),
    "create_task": ("title", "description", "owner_id", "due_in_hours", "priority"),
    "set_stage": ("stage",),
    "set_status": ("status",),
    "set_folder": ("folder",),
    "add_tag": ("tag",),
    "remove_tag": ("tag",),
    "webhook": ("url", "body_template"),
    "wait": tuple(WAIT_UNITS),
}


def _validate_action(
    index: int, action: Any, p: Problems, *, allow_http_webhooks: bool, ids: set[str]
) -> None:
    at = f"actions[{index}]"
    if not isinstance(action, dict):
        p.add(at, "must be an object {type, ...}")
        return
    kind = action.get("type")
    if not p.check(
        kind in ACTIONS, f"{at}.type", f"unknown action {kind!r}; one of: {', '.join(ACTIONS)}"
    ):
        return
    ident = action.get("id")
    if ident is not None:
        if p.check(_text(ident) and len(ident) <= 64, f"{at}.id", "must be short text"):
            p.check(ident not in ids, f"{at}.id", "is used by another action")
            ids.add(ident)
    for key in action:
        p.check(
            key in ("type", "id", *ACTION_FIELDS[kind]),
            f"{at}.{key}",
            f"unknown field for {kind}",
        )
    if kind == "send_message":
        channel = action.get("channel")
        p.check(
            channel in MESSAGE_CHANNELS,
            f"{at}.channel",
            f"is required: one of {', '.join(MESSAGE_CHANNELS)}",
        )
        text, template = action.get("text"), action.get("template")
        if p.check(
            _text(text) != _text(template), f"{at}.template", "give exactly one of text, template"
        ):
            body = text if _text(text) else template
            p.check(len(body) <= MAX_TEXT, f"{at}.template", "is too long")
        staff = action.get("staff_email")
        if staff not in (None, ""):
            p.check(
                isinstance(staff, str) and "@" in staff,
                f"{at}.staff_email",
                "is not an e-mail address",
            )
            p.check(channel == "email", f"{at}.staff_email", "needs channel email")
        p.check(
            isinstance(action.get("marketing", False), bool), f"{at}.marketing", "must be boolean"
        )
    elif kind == "create_task":
        title = action.get("title")
        if p.check(_text(title), f"{at}.title", "is required"):
            p.check(len(title) <= MAX_NAME, f"{at}.title", "is too long")
        due = action.get("due_in_hours")
        if due is not None:
            p.check(
                _number(due) and 0 <= due <= 24 * 365,
                f"{at}.due_in_hours",
                "must be a number of hours (0..8760)",
            )
        if "priority" in action:
            p.check(
                action["priority"] in PRIORITIES,
                f"{at}.priority",
                f"must be one of: {', '.join(PRIORITIES)}",
            )
    elif kind == "set_stage":
        p.check(
            action.get("stage") in STAGES, f"{at}.stage", f"is required: one of {', '.join(STAGES)}"
        )
    elif kind == "set_status":
        p.check(
            action.get("status") in CALL_STATUSES,
            f"{at}.status",
            f"is required: one of {', '.join(CALL_STATUSES)}",
        )
    elif kind == "set_folder":
        folder = action.get("folder")
        p.check(_text(folder) and len(folder) <= MAX_NAME, f"{at}.folder", "is required")
    elif kind in ("add_tag", "remove_tag"):
        tag = action.get("tag")
        p.check(_text(tag) and len(tag) <= MAX_TAG, f"{at}.tag", "is required (1..50 characters)")
    elif kind == "webhook":
        url = action.get("url")
        ok = _text(url)
        if ok:
            parts = urlsplit(url)
            ok = bool(parts.netloc) and (
                parts.scheme == "https" or (allow_http_webhooks and parts.scheme == "http")
            )
        p.check(ok, f"{at}.url", "is required: an https URL")
    elif kind == "wait":
        units = [u for u in WAIT_UNITS if u in action]
        if p.check(
            bool(units) and all(_number(action[u]) for u in units),
            f"{at}.seconds",
            "a wait needs a duration: seconds, minutes, hours or days",
        ):
            length = wait_duration(action)
            p.check(
                MIN_WAIT <= length <= MAX_WAIT,
                f"{at}.seconds",
                "a wait lasts from 1 second to 90 days",
            )


def validate_definition(
    *,
    name: str,
    trigger: Any,
    conditions: Any,
    actions: Any,
    cooldown_seconds: int,
    allow_http_webhooks: bool = False,
) -> None:
    """Raises InvalidArgument naming every problem of the workflow at once."""
    p = Problems()
    p.check(_text(name) and len(name) <= MAX_NAME, "name", "is required (1..200 characters)")
    _validate_trigger(trigger, p)
    if p.check(isinstance(conditions, list), "conditions", "must be a list"):
        p.check(len(conditions) <= MAX_CONDITIONS, "conditions", "too many conditions")
        for i, condition in enumerate(conditions):
            _validate_condition(i, condition, p)
    if p.check(
        isinstance(actions, list) and bool(actions), "actions", "at least one action is required"
    ):
        p.check(len(actions) <= MAX_ACTIONS, "actions", "too many actions")
        ids: set[str] = set()
        for i, action in enumerate(actions):
            _validate_action(i, action, p, allow_http_webhooks=allow_http_webhooks, ids=ids)
    p.check(
        0 <= cooldown_seconds <= MAX_COOLDOWN,
        "cooldown_seconds",
        f"must be 0..{MAX_COOLDOWN}",
    )
    if p.found:
        raise InvalidArgument.of_all(p.found, prefix="invalid workflow: ")


def with_action_ids(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every action gets a stable id (`a1`, `a2`, ... unless it named one)."""
    taken = {a["id"] for a in actions if a.get("id")}
    out, n = [], 0
    for action in actions:
        if not action.get("id"):
            n += 1
            while f"a{n}" in taken:
                n += 1
            action = {**action, "id": f"a{n}"}
            taken.add(action["id"])
        out.append(action)
    return out


def template_texts(action: dict[str, Any]) -> list[str]:
    return [
        str(action[k])
        for k in ("text", "template", "subject", "title", "description", "body_template")
        if action.get(k)
    ]


def uses_placeholders(action: dict[str, Any]) -> bool:
    return any(placeholders(t) for t in template_texts(action))


# ---- cycles -------------------------------------------------------------------------------

# The trigger each action can cause, and the value it takes.
_CAUSES: dict[str, tuple[str, str]] = {
    "add_tag": ("customer.tag_added", "tag"),
    "set_stage": ("customer.stage_changed", "stage"),
    "set_status": ("customer.status_changed", "status"),
    "set_folder": ("customer.folder_changed", "folder"),
}


def _fires(action: dict[str, Any], trigger: dict[str, Any]) -> bool:
    cause = _CAUSES.get(str(action.get("type")))
    if cause is None or trigger.get("type") != cause[0]:
        return False
    to = trigger.get("to") or ""
    return to == "" or str(to).lower() == str(action.get(cause[1], "")).lower()


def find_cycle(workflows: list[Workflow]) -> list[Workflow] | None:
    """A chain of enabled workflows whose actions trigger each other back to the first (each
    run would start the next forever), or None."""
    enabled = [w for w in workflows if w.enabled]
    edges = {
        w.id: [v for v in enabled if any(_fires(a, v.trigger) for a in w.actions)] for w in enabled
    }
    state: dict[uuid.UUID, int] = {}  # 1 = on the path, 2 = done
    path: list[Workflow] = []

    def visit(w: Workflow) -> list[Workflow] | None:
        state[w.id] = 1
        path.append(w)
        for nxt in edges[w.id]:
            if state.get(nxt.id) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt.id not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[w.id] = 2
        return None

    for w in enabled:
        if w.id not in state:
            found = visit(w)
            if found:
                return found
    return None


def require_no_cycle(candidate: Workflow, others: list[Workflow]) -> None:
    cycle = find_cycle([candidate, *[w for w in others if w.id != candidate.id]])
    if cycle and any(w.id == candidate.id for w in cycle):
        chain = " → ".join(repr(w.name) for w in cycle)
        raise InvalidArgument.of("actions", f"workflows would trigger each other forever: {chain}")
