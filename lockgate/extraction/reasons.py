"""Why a document goes to quarantine instead of the extracted dataset (stable codes, reported per run)."""

EMPTY = "empty"
TOO_LARGE = "too_large"
BINARY_CONTENT = "binary_content"
CORRUPT_PDF = "corrupt_pdf"
ENCRYPTED = "encrypted"
NEEDS_OCR = "needs_ocr"
MALFORMED_MIME = "malformed_mime"
TOO_DEEP = "too_deep"
RESOURCE_LIMIT = "resource_limit"
TIME_BUDGET = "time_budget"
UNSUPPORTED_FORMAT = "unsupported_format"
NO_TEXT = "no_text"
PARSER_ERROR = "parser_error"

ALL = (
    EMPTY,
    TOO_LARGE,
    BINARY_CONTENT,
    CORRUPT_PDF,
    ENCRYPTED,
    NEEDS_OCR,
    MALFORMED_MIME,
    TOO_DEEP,
    RESOURCE_LIMIT,
    TIME_BUDGET,
    UNSUPPORTED_FORMAT,
    NO_TEXT,
    PARSER_ERROR,
)
