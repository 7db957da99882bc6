"""The lockgate pages the Airflow plugin mounts at /lockgate: environments, change requests
(approve / reject), models, audit, data quality, monitoring (drift), the review queue (document
content for reviewers only), and what an Airflow DAG run produced.

Server-rendered HTML (Jinja2, autoescaped): the pages work inside Airflow's iframe and on their
own, with no build step. Every route needs a signed-in Airflow user (`security.viewer`).
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lockgate.config import ENVIRONMENTS, settings
from lockgate.ui import data
from lockgate.ui.security import Viewer, check_form, form_token, viewer

TEMPLATES = Path(__file__).parent / "templates"
Signed = Annotated[Viewer, Depends(viewer)]


@functools.cache
def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


@functools.cache
def _manager():
    """One ledger connection pool per API-server worker (the real clock)."""
    from lockgate.release.deploy import change_manager

    return change_manager(settings())


def _page(request: Request, who: Viewer, template: str, code: int = 200, **context) -> HTMLResponse:
    base = request.scope.get("root_path", "")
    html = (
        _templates()
        .get_template(template)
        .render(
            base=base,
            airflow=base.removesuffix("/lockgate"),
            who=who,
            environments=ENVIRONMENTS,
            **context,
        )
    )
    return HTMLResponse(html, status_code=code)


def _field_labels(form) -> dict[str, list[str]]:
    """The field types of the review form to record: every one shown when the reviewer ticked
    that the fields are checked, else those whose values the reviewer changed."""
    checked = form.get("fields_checked") == "on"
    labels = {}
    for key, value in form.items():
        if key.startswith("field_"):
            kind = key.removeprefix("field_")
            if checked or value.strip() != (form.get(f"was_{kind}") or "").strip():
                labels[kind] = [v for v in value.split(",") if v.strip()]
    return labels


def _field_values(fields: list[dict]) -> dict[str, str]:
    """Per entity type found, its valid normalised values as the form shows them."""
    shown: dict[str, list[str]] = {}
    for found in fields:
        values = shown.setdefault(found["type"], [])
        if found["valid"] and found["normalized"] not in values:
            values.append(found["normalized"])
    return {kind: ", ".join(values) for kind, values in sorted(shown.items())}


def create_app() -> FastAPI:
    app = FastAPI(title="lockgate", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        # Framed by Airflow's own UI only; never cached (approvals change what a page shows).
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(HTTPException)
    async def _refused(request: Request, exc: HTTPException):
        wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if exc.status_code == status.HTTP_401_UNAUTHORIZED and wants_page:
            airflow = request.scope.get("root_path", "").removesuffix("/lockgate")
            target = quote(str(request.url), safe="")
            return RedirectResponse(
                f"{airflow}/api/v2/auth/login?next={target}", status.HTTP_303_SEE_OTHER
            )
        return Response(exc.detail, exc.status_code, media_type="text/plain")

    @app.get("/")
    def home(request: Request, who: Signed):
        return RedirectResponse(f"{request.scope.get('root_path', '')}/environments", 303)

    @app.get("/environments", response_class=HTMLResponse)
    def environments(request: Request, who: Signed):
        return _page(
            request, who, "environments.html", envs=data.environments(settings(), _manager())
        )

    @app.get("/changes", response_class=HTMLResponse)
    def changes(request: Request, who: Signed):
        return _page(request, who, "changes.html", changes=data.changes(_manager()))

    def _change_page(request: Request, who: Viewer, change_id: int, code=200, **extra):
        try:
            page = data.change(_manager(), change_id, who)
        except LookupError as missing:
            raise HTTPException(404, str(missing)) from missing
        tokens = {d: form_token(who, d, f"change-{change_id}") for d in ("approve", "reject")}
        return _page(request, who, "change.html", code, page=page, tokens=tokens, **extra)

    @app.get("/changes/{change_id}", response_class=HTMLResponse)
    def change(request: Request, who: Signed, change_id: int, done: str = ""):
        return _change_page(request, who, change_id, done=done)

    @app.post("/changes/{change_id}/decide")
    def decide(
        request: Request,
        who: Signed,
        change_id: int,
        decision: Annotated[str, Form()],
        role: Annotated[str, Form()],
        token: Annotated[str, Form()],
        comment: Annotated[str, Form()] = "",
    ):
        from lockgate.release.changes import ChangeRefused
        from lockgate.release.ledger import IllegalTransition

        if decision not in ("approve", "reject"):
            raise HTTPException(400, f"decision must be approve or reject, not {decision!r}")
        check_form(request, who, decision, f"change-{change_id}", token)
        manager = _manager()
        try:
            if decision == "approve":
                manager.approve(who.identity, change_id, role, comment)
            else:
                manager.reject(who.identity, change_id, role, comment)
        except (ChangeRefused, IllegalTransition) as refused:
            return _change_page(request, who, change_id, 409, error=str(refused))
        base = request.scope.get("root_path", "")
        return RedirectResponse(f"{base}/changes/{change_id}?done={decision}", 303)

    @app.get("/models", response_class=HTMLResponse)
    def models(request: Request, who: Signed):
        return _page(request, who, "models.html", models=data.models(settings(), _manager()))

    @app.get("/models/{name}/{version}", response_class=HTMLResponse)
    def model(request: Request, who: Signed, name: str, version: str):
        return _page(
            request,
            who,
            "model.html",
            page=data.model_version(settings(), _manager(), name, version),
        )

    @app.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request,
        who: Signed,
        environment: str = "",
        person: str = "",
        since: str = "",
        until: str = "",
    ):
        return _page(
            request,
            who,
            "audit.html",
            page=data.audit(_manager(), environment, person, since, until),
        )

    @app.get("/quality", response_class=HTMLResponse)
    def quality(request: Request, who: Signed):
        return _page(request, who, "quality.html", page=data.data_quality(settings()))

    @app.get("/monitoring", response_class=HTMLResponse)
    def monitoring(request: Request, who: Signed):
        return _page(request, who, "monitoring.html", reports=data.monitoring(settings()))

    @app.get("/review", response_class=HTMLResponse)
    def review_queue(
        request: Request, who: Signed, model: str = "", environment: str = "", done: str = ""
    ):
        from lockgate.models import registered_models
        from lockgate.pipeline.review import ROLE, queue, recent_feedback

        models = list(registered_models())
        model = model or models[0]
        environment = environment or settings().environment
        if model not in models or environment not in ENVIRONMENTS:
            raise HTTPException(404, f"no model {model!r} in {environment!r}")
        return _page(
            request,
            who,
            "review.html",
            items=queue(settings(), environment, model),
            feedback=recent_feedback(
                settings(), environment, model, settings().policy.monitoring.window_days
            ),
            model=model,
            models=models,
            environment=environment,
            reviewer=ROLE in who.roles,
            done=done,
        )

    def _review_page(request, who, environment, model, doc_id, code=200, **extra):
        from lockgate.models import get_model
        from lockgate.pipeline.review import NotAReviewer, ReviewRefused, open_document

        try:
            document = open_document(settings(), environment, model, doc_id, who.identity)
        except NotAReviewer as refused:
            raise HTTPException(403, str(refused)) from refused
        except ReviewRefused as missing:
            raise HTTPException(404, str(missing)) from missing
        spec = get_model(model)
        return _page(
            request,
            who,
            "review_document.html",
            code,
            document=document,
            classes=spec.classes,
            label_column=spec.label,
            token=form_token(who, "review", f"{environment}/{model}/{doc_id}"),
            field_values=_field_values(document.fields),
            **extra,
        )

    @app.get("/review/{environment}/{model}/{doc_id}", response_class=HTMLResponse)
    def review_document(request: Request, who: Signed, environment: str, model: str, doc_id: str):
        return _review_page(request, who, environment, model, doc_id)

    @app.post("/review/{environment}/{model}/{doc_id}/decide")
    async def review_decide(
        request: Request,
        who: Signed,
        environment: str,
        model: str,
        doc_id: str,
        label: Annotated[str, Form()],
        token: Annotated[str, Form()],
    ):
        from starlette.concurrency import run_in_threadpool

        check_form(request, who, "review", f"{environment}/{model}/{doc_id}", token)
        fields = _field_labels(await request.form())
        return await run_in_threadpool(
            _record_review, request, who, environment, model, doc_id, label, fields
        )

    def _record_review(request, who, environment, model, doc_id, label, fields):
        from lockgate.pipeline.review import (
            NotAReviewer,
            ReviewRefused,
            correct_fields,
            decide,
            field_column,
        )

        try:
            for kind in fields:  # every type checked before anything is recorded
                field_column(kind)
            decide(settings(), environment, model, doc_id, label, who.identity)
            if fields:
                correct_fields(settings(), environment, model, doc_id, fields, who.identity)
        except NotAReviewer as refused:
            raise HTTPException(403, str(refused)) from refused
        except ReviewRefused as refused:
            return _review_page(request, who, environment, model, doc_id, 409, error=str(refused))
        base = request.scope.get("root_path", "")
        query = f"model={quote(model)}&environment={quote(environment)}&done={quote(doc_id)}"
        return RedirectResponse(f"{base}/review?{query}", 303)

    @app.get("/quality/docs/{suite}/{scope}/{run_date}/{path:path}")
    def data_docs(request: Request, who: Signed, suite: str, scope: str, run_date: str, path: str):
        site = f"{request.scope.get('root_path', '')}/quality/docs/{suite}/{scope}/{run_date}/"
        try:
            body = data.data_docs_file(settings(), suite, scope, run_date, path, site)
        except (FileNotFoundError, ValueError) as missing:
            raise HTTPException(404, str(missing)) from missing
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return Response(body, media_type=kind)

    @app.get("/runs/{dag_id}/{run_id}", response_class=HTMLResponse)
    def dag_run(request: Request, who: Signed, dag_id: str, run_id: str):
        return _page(
            request, who, "run.html", page=data.dag_run(settings(), _manager(), dag_id, run_id)
        )

    return app
