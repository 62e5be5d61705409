"""The maturity model: its schema, loader and checker (pure; no Django)."""

from diam.model.load import ModelError, check_model_dir, check_model_tree, load_model
from diam.model.problems import Problem
from diam.model.schema import AnswerType, Criterion, Model, StageRuleMode

__all__ = [
    "AnswerType",
    "Criterion",
    "Model",
    "ModelError",
    "Problem",
    "StageRuleMode",
    "check_model_dir",
    "check_model_tree",
    "load_model",
]
