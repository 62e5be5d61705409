"""Public endpoints: the installed models, a model version, its FHIR Questionnaire.

No token is needed; each request counts against its client's address instead
(`DIAM_API_PUBLIC_RATE_PER_MINUTE`: 429 with Retry-After beyond it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Path, Query

from diam.exchange import fhir
from diam.model.export import model_to_dict
from diam.model.schema import Model
from diam.paths import UnknownModel, available_model_ids, model_versions, shipped_model
from diam.web.api.api import api, errors
from diam.web.api.schemas import FhirResource, ModelVersions

ModelId = Annotated[str, Path(max_length=60, pattern=r"^[a-z][a-z0-9-]*$")]
Version = Annotated[str, Path(max_length=20, pattern=r"^\d+\.\d+\.\d+$")]


def model_or_404(model_id: str, version: str | None) -> Model:
    try:
        return shipped_model(model_id, version)
    except UnknownModel:
        raise Http404(f"No installed model {model_id} {version or ''}".strip() + ".") from None


@api.get(
    "/models",
    auth=None,
    response={200: list[ModelVersions], **errors(429)},
    tags=["models"],
    summary="Installed models and their versions",
)
def models_list(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for model_id in available_model_ids():
        versions = model_versions(model_id)
        latest = shipped_model(model_id)
        out.append(
            {
                "id": model_id,
                "name": latest.manifest.name,
                "latest": versions[-1],
                "versions": versions,
            }
        )
    return out


@api.get(
    "/models/{model_id}/versions/{version}",
    auth=None,
    response={200: dict[str, Any], **errors(404, 422, 429)},
    tags=["models"],
    summary="One model version as the model-export document",
)
def model_get(request: HttpRequest, model_id: ModelId, version: Version) -> dict[str, Any]:
    return model_to_dict(model_or_404(model_id, version))


@api.get(
    "/models/{model_id}/versions/{version}/questionnaire",
    auth=None,
    response={200: FhirResource, **errors(404, 422, 429)},
    tags=["fhir"],
    summary="A model version as a FHIR Questionnaire (R5, or R4B)",
)
def model_questionnaire(
    request: HttpRequest,
    model_id: ModelId,
    version: Version,
    fhir_version: Annotated[Literal["R5", "R4B"], Query()] = "R5",
) -> dict[str, Any]:
    from diam.web.exchange.views import fhir_base

    model = model_or_404(model_id, version)
    return fhir.questionnaire(model, base=fhir_base(), fhir_version=fhir_version)


@api.get(
    "/fhir/Questionnaire/{model_id}",
    auth=None,
    response={200: FhirResource, **errors(404, 422, 429)},
    tags=["fhir"],
    summary="The Questionnaire at its canonical URL (latest version, or ?version=)",
)
def questionnaire_canonical(
    request: HttpRequest,
    model_id: ModelId,
    version: Annotated[str | None, Query(max_length=20, pattern=r"^\d+\.\d+\.\d+$")] = None,
    fhir_version: Annotated[Literal["R5", "R4B"], Query()] = "R5",
) -> dict[str, Any]:
    from diam.web.exchange.views import fhir_base

    model = model_or_404(model_id, version)
    return fhir.questionnaire(model, base=fhir_base(), fhir_version=fhir_version)
