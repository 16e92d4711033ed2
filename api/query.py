"""The contact list's filter parameters are the project's one query model (search.query).

DESIGN.md: a partner's link and an API call mean the same thing, so /api/v1/contacts/
takes the parameters of /search/ and /api/v1/search/ (q, near, radius, state, district,
incident, kind, target, free, anonymous, barrier_free, open_24_7, lang, page, per_page),
validated by the same parse_query; a QueryError becomes the 400 error body
(api/errors.py). The selector applies the same coverage rule as the search executors.
"""

from search.query import FLAGS, SearchQuery, parse_query

__all__ = ["FLAGS", "SearchQuery", "contact_query"]


def contact_query(params) -> SearchQuery:
    return parse_query(params)
