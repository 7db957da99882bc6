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
# Entries of the landing folder that are never read (storage.spark_io.Listing.others).
SYMLINK = "symlink"
NOT_A_FILE = "not_a_file"
HIDDEN_NAME = "hidden_name"
UNREADABLE = "unreadable"
LANDING = {
    "symlink": SYMLINK,
    "directory": NOT_A_FILE,
    "special": NOT_A_FILE,
    "hidden": HIDDEN_NAME,
    "unreadable": UNREADABLE,
}

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
    SYMLINK,
    NOT_A_FILE,
    HIDDEN_NAME,
    UNREADABLE,
)
