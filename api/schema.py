"""OpenAPI post-processing: document the one error body on every operation."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable, e.g. invalid_parameter"},
                "message": {"type": "string", "description": "what is wrong and what to do"},
                "field": {"type": "string", "description": "the parameter at fault, when there is one"},
            },
        }
    },
}
READ_ERRORS = {"400": "invalid parameter", "404": "not found", "429": "too many requests"}
WRITE_ERRORS = {"400": "invalid request", "401": "no or wrong token", "403": "no permission",
                "413": "upload too large", "429": "too many requests"}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        errors = WRITE_ERRORS if path.startswith("/api/v1/imports/") else READ_ERRORS
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": {"application/json": {"schema": reference}}})
    return result
