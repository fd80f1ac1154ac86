"""Creating and watching Kubernetes custom resources with the kubernetes Python client.

Shared by `serve.deploy` (KServe InferenceService) and `distributed.pytorchjob`
(Kubeflow PyTorchJob): connect (in a pod: its service account; elsewhere:
the kubeconfig), apply a resource (create, or replace the existing one so
its spec is exactly what the step declared), poll its status until a
condition says it is done, delete it.

Polling starts at half a second and backs off to five: quick for a resource
that is ready at once, gentle on the API server for one that takes minutes.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptflow.runtime.contract import StepError

log = logging.getLogger(__name__)
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
FIRST_POLL_S, LONGEST_POLL_S = 0.5, 5.0


@dataclass(frozen=True)
class CustomResource:
    """Where a kind of custom resource lives in the API."""

    group: str
    version: str
    plural: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


INFERENCE_SERVICE = CustomResource("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService")
PYTORCH_JOB = CustomResource("kubeflow.org", "v1", "pytorchjobs", "PyTorchJob")


def in_cluster() -> bool:
    """Whether this process runs in a Kubernetes pod (the variable every pod gets)."""
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


class Cluster:
    """A connection to one cluster's API, for custom resources."""

    def __init__(self, api_client: Any, default_namespace: str):
        from kubernetes import client

        self.api = client.CustomObjectsApi(api_client)
        self.default_namespace = default_namespace

    @classmethod
    def connect(cls) -> Cluster:
        """In a pod: its service account; elsewhere: $KUBECONFIG or ~/.kube/config.  StepError if neither."""
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        if in_cluster():
            configuration = client.Configuration()
            try:
                config.load_incluster_config(client_configuration=configuration)
            except ConfigException as error:
                raise StepError(
                    f"this pod has no usable service account token for the Kubernetes API: {error}"
                ) from None
            namespace = (
                SERVICE_ACCOUNT_NAMESPACE.read_text().strip() if SERVICE_ACCOUNT_NAMESPACE.is_file() else "default"
            )
            return cls(client.ApiClient(configuration), namespace)
        try:
            api_client = config.new_client_from_config()
            _, active = config.list_kube_config_contexts()
        except (ConfigException, OSError) as error:
            raise StepError(
                "no Kubernetes cluster to talk to: this is not a pod, and there is no usable kubeconfig "
                f"($KUBECONFIG or ~/.kube/config): {error}"
            ) from None
        return cls(api_client, (active or {}).get("context", {}).get("namespace") or "default")

    # -------------------------------------------------------------- objects

    def apply(self, resource: CustomResource, body: dict) -> dict:
        """Create the object, or replace the one of that name so its spec is exactly `body`'s."""
        namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
        try:
            created = self._call(
                self.api.create_namespaced_custom_object,
                resource.group,
                resource.version,
                namespace,
                resource.plural,
                body,
            )
            log.info("created %s %s/%s", resource.kind, namespace, name)
            return created
        except ApiFailure as failure:
            if failure.status != 409:
                raise failure.as_step_error(f"creating {resource.kind} {namespace}/{name}") from None
        current = self.get(resource, namespace, name)
        replacement = {
            **body,
            "metadata": {**body["metadata"], "resourceVersion": current["metadata"]["resourceVersion"]},
        }
        try:
            replaced = self._call(
                self.api.replace_namespaced_custom_object,
                resource.group,
                resource.version,
                namespace,
                resource.plural,
                name,
                replacement,
            )
        except ApiFailure as failure:
            raise failure.as_step_error(f"replacing {resource.kind} {namespace}/{name}") from None
        log.info("replaced %s %s/%s", resource.kind, namespace, name)
        return replaced

    def get(self, resource: CustomResource, namespace: str, name: str) -> dict:
        try:
            return self._call(
                self.api.get_namespaced_custom_object,
                resource.group,
                resource.version,
                namespace,
                resource.plural,
                name,
            )
        except ApiFailure as failure:
            raise failure.as_step_error(f"reading {resource.kind} {namespace}/{name}") from None

    def delete(self, resource: CustomResource, namespace: str, name: str) -> None:
        try:
            self._call(
                self.api.delete_namespaced_custom_object,
                resource.group,
                resource.version,
                namespace,
                resource.plural,
                name,
                propagation_policy="Foreground",
            )
        except ApiFailure as failure:
            if failure.status != 404:
                raise failure.as_step_error(f"deleting {resource.kind} {namespace}/{name}") from None
        log.info("deleted %s %s/%s", resource.kind, namespace, name)

    def wait_for(
        self,
        resource: CustomResource,
        namespace: str,
        name: str,
        outcome: Callable[[dict], str | None],
        timeout_s: float,
        describe: Callable[[dict], str] = lambda obj: "",
    ) -> tuple[str, dict]:
        """Poll until `outcome(object)` names an outcome; StepError after `timeout_s` seconds."""
        deadline = time.monotonic() + timeout_s
        pause = FIRST_POLL_S
        while True:
            current = self.get(resource, namespace, name)
            result = outcome(current)
            if result is not None:
                return result, current
            left = deadline - time.monotonic()
            if left <= 0:
                detail = describe(current)
                raise StepError(
                    f"{resource.kind} {namespace}/{name} was not done after {timeout_s:g} s"
                    + (f": {detail}" if detail else "")
                )
            time.sleep(min(pause, left))
            pause = min(pause * 1.5, LONGEST_POLL_S)

    @staticmethod
    def _call(method: Callable, *args: Any, **kwargs: Any) -> dict:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return method(*args, **kwargs)
        except ApiException as error:
            raise ApiFailure(error.status or 0, _reason(error)) from None
        except HTTPError as error:
            raise StepError(f"the Kubernetes API is unreachable: {error}") from None


class ApiFailure(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason

    def as_step_error(self, doing: str) -> StepError:
        hints = {
            401: "the credentials were refused",
            403: "the service account may not do this (check its RBAC role)",
            404: "the resource kind is not installed in the cluster, or the namespace is missing",
        }
        hint = hints.get(self.status)
        return StepError(f"{doing} failed: HTTP {self.status}: {self.reason}" + (f" ({hint})" if hint else ""))


def _reason(error: Any) -> str:
    """The API's own message (its Status object), else the HTTP reason."""
    import json

    try:
        status = json.loads(error.body or "")
        return str(status.get("message") or status.get("reason") or error.reason)
    except (TypeError, ValueError, AttributeError):
        return str(error.reason or error)


def condition(obj: dict, kind: str) -> dict | None:
    """The status condition of type `kind`, if the object has one."""
    for item in (obj.get("status") or {}).get("conditions") or []:
        if item.get("type") == kind:
            return item
    return None


def unmet_conditions(obj: dict) -> str:
    """The conditions that are not True, with their reasons: what a timeout message should say."""
    parts = []
    for item in (obj.get("status") or {}).get("conditions") or []:
        if item.get("status") != "True":
            text = f"{item.get('type')}={item.get('status')}"
            detail = item.get("reason") or ""
            if item.get("message"):
                detail = f"{detail}: {item['message']}" if detail else item["message"]
            parts.append(text + (f" ({detail})" if detail else ""))
    return "; ".join(parts) or "no status conditions reported yet"
