"""Data in and out: the answers bundle (zip), the offline workbook (XLSX), FHIR Questionnaire and
QuestionnaireResponse, and CSV tables. Pure: bytes and plain values in, bytes and plain values
out; no Django, no database, no clock (times are passed in).

Every path that reads answers ends in `diam.scoring.answers.parse_answer` /
`parse_answer_file`: these modules only turn a file's representation (a cell saying "Yes", a
FHIR `valueCoding`) into the answers-file contract, and the one parser judges it.
"""

from diam.exchange.safety import UploadProblem

__all__ = ["UploadProblem"]
