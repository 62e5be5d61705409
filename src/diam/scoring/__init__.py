"""The scoring engine (pure; no Django): answers in, Result out."""

from diam.scoring.answers import (
    AnswerError,
    AnswerSheet,
    AnswerValue,
    InvalidValue,
    NotApplicable,
    answer_sheet_to_dict,
    parse_answer,
    parse_answer_file,
    parse_value,
)
from diam.scoring.engine import hidden_criteria, score
from diam.scoring.result import Result, Status

__all__ = [
    "AnswerError",
    "AnswerSheet",
    "AnswerValue",
    "InvalidValue",
    "NotApplicable",
    "Result",
    "Status",
    "answer_sheet_to_dict",
    "hidden_criteria",
    "parse_answer",
    "parse_answer_file",
    "parse_value",
    "score",
]
