"""GET /api/v1/changes/: the change feed (issue 20). What was created, updated, deactivated
or deleted since a time or a cursor, in commit order, for partners who mirror Lotse.

Each change names a contact and says what it is *now*: its current public representation
(the contacts endpoint's), or a tombstone (`deactivated: true`, `contact: null`) when it
is inactive or gone. A change is a row of directory.ContactChange, written by
directory.services.contacts_touched with the contact's own transaction; its id is the
cursor, and change rows commit in id order (directory.services.changes_record), so a
client that follows `next` misses no change, also one made while it pages.

Within a page a contact appears once, at its last change there (an admin save records
several changes of one contact); a contact changed again after the page appears again
on a later page, always with its state at the time of reading.
"""

import base64
import binascii
import datetime
import re
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ApiError
from api.pagination import ApiPagination, WHOLE_NUMBER
from api.serializers import ContactSerializer
from api.views import ReadView, _contacts_data
from directory import selectors
from directory.models import Contact

DEFAULT_PER_PAGE = ApiPagination.max_page_size
MAX_PER_PAGE = ApiPagination.max_page_size
CURSOR_PREFIX = "change:"
# A "+" of a UTC offset arrives as a space when the client did not encode it.
_OFFSET_AS_SPACE = re.compile(r" ([0-9]{2}(:?[0-9]{2})?)$")
_DATETIME = serializers.DateTimeField()


class ChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the contact's id")
    uuid = serializers.UUIDField(help_text="the contact's UUID")
    at = serializers.DateTimeField(help_text="when the change was recorded")
    deactivated = serializers.BooleanField(help_text="a tombstone: the contact is inactive or deleted now (not published)")
    contact = ContactSerializer(allow_null=True, help_text="the contact as /api/v1/contacts/ gives it now; null for a tombstone")


class ChangePageSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    cursor = serializers.CharField(help_text="opaque: pass as ?since= to continue after this page")
    next = serializers.CharField(help_text="this endpoint with since=cursor: the next page, or later the changes made since")
    has_more = serializers.BooleanField(help_text="more changes are recorded already: follow next now")


def cursor_encode(change_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{change_id}".encode()).decode().rstrip("=")


def _cursor_decode(raw: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    number = text.removeprefix(CURSOR_PREFIX)
    if text.startswith(CURSOR_PREFIX) and re.fullmatch(r"[0-9]{1,18}", number):
        return int(number)
    return None


def _moment(raw: str) -> datetime.datetime | None:
    """An ISO 8601 date or date-time; without an offset it is UTC."""
    try:
        moment = parse_datetime(_OFFSET_AS_SPACE.sub(r"+\1", raw))
        if moment is None:
            day = parse_date(raw)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
        if moment is None:
            return None
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        # In UTC, as the database compares it: 0001-01-01T00:00+01:00 is before year 1.
        return moment.astimezone(datetime.timezone.utc)
    except (ValueError, OverflowError):  # well-formed but impossible, e.g. 2025-02-30
        return None


def since_after(raw: str | None) -> int:
    """The change id the page starts after, from ?since= (none: the beginning)."""
    if raw is None or not raw.strip():
        return 0
    raw = raw.strip()
    change_id = _cursor_decode(raw)
    if change_id is not None:
        if change_id > selectors.change_last():
            raise ApiError(400, "invalid_parameter", "since: this cursor is ahead of the feed (was the database restored?); "
                           "start again from a timestamp", "since")
        return change_id
    moment = _moment(raw)
    if moment is None:
        raise ApiError(400, "invalid_parameter", f'since: "{raw[:40]}" is neither a time such as 2025-03-01T08:00:00Z '
                       'nor a cursor from "next"', "since")
    return selectors.change_before(moment)


def _per_page(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PER_PAGE
    if not (WHOLE_NUMBER.fullmatch(raw) and 1 <= int(raw) <= MAX_PER_PAGE):
        raise ApiError(400, "invalid_parameter", f'per_page: "{raw[:20]}" is not a whole number from 1 to {MAX_PER_PAGE}', "per_page")
    return int(raw)


def changes_page(*, after: int, per_page: int) -> tuple[list[dict], int, bool]:
    """(changes, the cursor's change id, more) of the page after change `after`."""
    rows = selectors.changes_after(after=after, limit=per_page + 1)
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    last = {row.contact_id: row for row in rows}  # each contact at its last change in the page
    rows = sorted(last.values(), key=lambda row: row.pk)
    active = Contact.objects.filter(pk__in=list(last), active=True).values_list("pk", flat=True)
    published = {item["id"]: item for item in _contacts_data([{"pk": pk} for pk in active])}
    # Built directly, as ContactSerializer.to_representation is (the serializers declare the shape).
    changes = [
        {"id": row.contact_id, "uuid": str(row.uuid), "at": _DATETIME.to_representation(row.at),
         "deactivated": row.contact_id not in published, "contact": published.get(row.contact_id)}
        for row in rows
    ]
    return changes, (max(last_row.pk for last_row in rows) if rows else after), has_more


@extend_schema(
    tags=["contacts"],
    parameters=[
        OpenApiParameter("since", str, description=(
            "An ISO 8601 time (2025-03-01T08:00:00Z, 2025-03-01; without an offset UTC): the changes from the first "
            "recorded at or after it; or the opaque cursor of a page's `next`. None: from the first change "
            "(the whole directory)")),
        OpenApiParameter("per_page", int, description=f"Changes read for this page (1-{MAX_PER_PAGE}, default "
                         f"{DEFAULT_PER_PAGE}); a contact changed several times in them appears once"),
    ],
    responses=ChangePageSerializer,
)
class ChangeFeedView(ReadView, APIView):
    """Contacts created, updated, deactivated or deleted since a time or cursor, in the
    order the changes were committed. Each change carries the contact as it is now, or is
    a tombstone (`deactivated`) when it is no longer published. Follow `next` until
    `has_more` is false, keep its `cursor`, and ask with it later: no change is skipped,
    also none made while paging."""

    def get(self, request):
        after = since_after(request.query_params.get("since"))
        per_page = _per_page(request.query_params.get("per_page"))
        changes, last, has_more = changes_page(after=after, per_page=per_page)
        cursor = cursor_encode(last)
        params = {"since": cursor}
        if "per_page" in request.query_params:
            params["per_page"] = per_page
        return Response({
            "changes": changes,
            "cursor": cursor,
            "next": request.build_absolute_uri(f"{request.path}?{urlencode(params)}"),
            "has_more": has_more,
        })
