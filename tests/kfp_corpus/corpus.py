"""kfp's own test pipelines, vendored under upstream/ (see README.md): which function of which file is a pipeline.

Each entry names the pipeline function that the upstream file's `__main__`
block (or kfp's compilation test, where the file has none) compiles.  The
entry's id is its path under `test_data/sdk_compiled_pipelines/valid/`, or
`kubernetes/<name>` for kfp-kubernetes' snapshot data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

UPSTREAM = Path(__file__).resolve().parent / "upstream"
UPSTREAM_REPOSITORY = "https://github.com/kubeflow/pipelines"
UPSTREAM_COMMIT = "7b70c7b95f6832772efd6fd0029a4024491a0f44"
SDK_VALID = "test_data/sdk_compiled_pipelines/valid"
KUBERNETES_DATA = "kubernetes_platform/python/test/snapshot/data"


@dataclass(frozen=True)
class CorpusEntry:
    id: str
    function: str
    # Ids of entries whose compiled YAML this file loads (through kfp's test helper `FileUtils`).
    loads_compiled: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The upstream file, relative to UPSTREAM."""
        if self.id.startswith("kubernetes/"):
            return f"{KUBERNETES_DATA}/{self.id.removeprefix('kubernetes/')}.py"
        return f"{SDK_VALID}/{self.id}.py"

    @property
    def compiled_path(self) -> str:
        """Where kfp's `__main__` block writes the compiled YAML, relative to the upstream root."""
        return self.path[: -len(".py")] + ".yaml"


ENTRIES: tuple[CorpusEntry, ...] = (
    CorpusEntry("kubernetes/config_map_as_env", "my_pipeline"),
    CorpusEntry("kubernetes/config_map_as_vol", "my_pipeline"),
    CorpusEntry("kubernetes/create_mount_delete_dynamic_pvc", "my_pipeline"),
    CorpusEntry("kubernetes/create_mount_delete_existing_pvc", "my_pipeline"),
    CorpusEntry("kubernetes/create_mount_delete_existing_pvc_from_task_output", "my_pipeline"),
    CorpusEntry("kubernetes/empty_dir_mounts", "my_pipeline"),
    CorpusEntry("kubernetes/field_path_as_env", "my_pipeline"),
    CorpusEntry("kubernetes/general_ephemeral_volume", "my_pipeline"),
    CorpusEntry("kubernetes/image_pull_secrets", "my_pipeline"),
    CorpusEntry("kubernetes/node_selector", "my_pipeline"),
    CorpusEntry("kubernetes/nodeaffinity", "my_pipeline"),
    CorpusEntry("kubernetes/secret_as_env", "my_pipeline"),
    CorpusEntry("kubernetes/secret_as_vol", "my_pipeline"),
    CorpusEntry("kubernetes/security_context", "my_pipeline"),
    CorpusEntry("kubernetes/timeout", "my_pipeline"),
    CorpusEntry("kubernetes/toleration", "my_pipeline"),
    CorpusEntry("arguments_parameters", "echo"),
    CorpusEntry("artifacts_complex", "math_pipeline"),
    CorpusEntry("artifacts_simple", "math_pipeline"),
    CorpusEntry("collected_artifacts", "collected_artifact_pipeline"),
    CorpusEntry("component_with_metadata_fields", "dataset_joiner"),
    CorpusEntry("component_with_task_final_status", "exit_comp"),
    CorpusEntry("components_with_optional_artifacts", "pipeline"),
    CorpusEntry("conditional_producer_and_consumers", "math_pipeline"),
    CorpusEntry("container_io", "container_io"),
    CorpusEntry("container_with_artifact_output", "container_with_artifact_output"),
    CorpusEntry("container_with_concat_placeholder", "container_with_concat_placeholder"),
    CorpusEntry("container_with_if_placeholder", "container_with_if_placeholder"),
    CorpusEntry("container_with_placeholder_in_fstring", "container_with_placeholder_in_fstring"),
    CorpusEntry("containerized_python_component", "concat_message"),
    CorpusEntry("create_pod_metadata_complex", "pipeline_with_pod_metadata"),
    CorpusEntry("critical/add_numbers", "add_numbers"),
    CorpusEntry("critical/artifact_cache", "crust"),
    CorpusEntry("critical/artifact_crust", "crust"),
    CorpusEntry("critical/collected_parameters", "collected_param_pipeline"),
    CorpusEntry("critical/component_with_optional_inputs", "pipeline"),
    CorpusEntry("critical/container_component_with_no_inputs", "pipeline"),
    CorpusEntry("critical/flip_coin", "flipcoin_pipeline"),
    CorpusEntry("critical/if_else_with_oneof_artifacts", "outer_pipeline"),
    CorpusEntry("critical/missing_kubernetes_optional_inputs", "missing_kubernetes_optional_inputs_pipeline"),
    CorpusEntry("critical/mixed_parameters", "crust"),
    CorpusEntry("critical/modelcar/modelcar", "pipeline_modelcar_test"),
    CorpusEntry("critical/multiple_artifacts_namedtuple", "crust"),
    CorpusEntry("critical/multiple_parameters_namedtuple", "crust"),
    CorpusEntry("critical/notebook_component_mixed", "pipeline"),
    CorpusEntry("critical/notebook_component_simple", "pipeline"),
    CorpusEntry("critical/parallel_for_after_dependency", "loop_with_after_dependency_set"),
    CorpusEntry("critical/parameter_cache", "crust"),
    CorpusEntry("critical/parameter_oneof", "crust"),
    CorpusEntry("critical/parameters_simple", "math_pipeline"),
    CorpusEntry("critical/pipeline_with_artifact_custom_path", "pipeline_with_custom_path_artifact"),
    CorpusEntry("critical/pipeline_with_artifact_upload_download", "my_pipeline"),
    CorpusEntry("critical/pipeline_with_env", "my_pipeline"),
    CorpusEntry("critical/pipeline_with_importer_workspace", "pipeline_with_importer_workspace"),
    CorpusEntry("critical/pipeline_with_input_status_state", "status_state_pipeline"),
    CorpusEntry("critical/pipeline_with_placeholders", "pipeline_with_placeholders"),
    CorpusEntry("critical/pipeline_with_pod_metadata", "pipeline_with_pod_metadata"),
    CorpusEntry("critical/pipeline_with_secret_as_env", "pipeline_secret_env"),
    CorpusEntry("critical/pipeline_with_submit_request", "pipeline_with_submit_request"),
    CorpusEntry("critical/pipeline_with_workspace", "pipeline_with_workspace"),
    CorpusEntry("critical/producer_consumer_param", "producer_consumer_param_pipeline"),
    CorpusEntry("critical/pythonic_artifacts_test_pipeline", "pythonic_artifacts_test_pipeline"),
    CorpusEntry("critical/two_step_pipeline_containerized", "my_pipeline"),
    CorpusEntry("cross_loop_after_topology", "my_pipeline"),
    CorpusEntry("env_var", "test_env_exists"),
    CorpusEntry("essential/component_with_env_variable", "pipeline_with_env_variable"),
    CorpusEntry("essential/component_with_pip_index_urls", "pipeline"),
    CorpusEntry("essential/component_with_pip_install", "component_with_pip_install"),
    CorpusEntry("essential/component_with_pip_install_in_venv", "component_with_pip_install"),
    CorpusEntry("essential/concat_message", "concat_message"),
    CorpusEntry("essential/container_no_input", "container_no_input"),
    CorpusEntry("essential/dict_input", "dict_input"),
    CorpusEntry("essential/embedded_artifact", "pipeline"),
    CorpusEntry("essential/iris_pipeline", "my_pipeline"),
    CorpusEntry("essential/lightweight_python_functions_pipeline", "pipeline"),
    CorpusEntry("essential/lightweight_python_functions_with_outputs", "pipeline"),
    CorpusEntry("essential/pipeline_with_after", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_condition", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_if_placeholder", "pipeline_none"),
    CorpusEntry("essential/pipeline_with_metrics_outputs", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_nested_conditions", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_nested_conditions_yaml", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_outputs", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_params_containing_format", "my_pipeline"),
    CorpusEntry("essential/pipeline_with_reused_component", "my_pipeline", loads_compiled=("critical/add_numbers",)),
    CorpusEntry("failing/fail_v2", "fail_pipeline"),
    CorpusEntry("failing/pipeline_with_exit_handler", "my_pipeline"),
    CorpusEntry("failing/pipeline_with_multiple_exit_handlers", "my_pipeline"),
    CorpusEntry("gpu-scheduling/nvidia_gpu_scheduling_check", "nvidia_gpu_scheduling_check"),
    CorpusEntry("hello_world", "echo"),
    CorpusEntry("identity", "identity"),
    CorpusEntry("if_elif_else_complex", "lucky_number_pipeline"),
    CorpusEntry("if_elif_else_with_oneof_parameters", "outer_pipeline"),
    CorpusEntry("if_else_with_oneof_artifacts", "outer_pipeline"),
    CorpusEntry("if_else_with_oneof_parameters", "flip_coin_pipeline"),
    CorpusEntry("input_artifact", "input_artifact"),
    CorpusEntry("integration/ray_integration", "ray_integration"),
    CorpusEntry("local_execution/local_execution_pipeline_with_exit_handler", "pipeline_with_exit_handler"),
    CorpusEntry(
        "local_execution/local_execution_pipeline_with_ignore_upstream_failure", "pipeline_with_ignore_upstream_failure"
    ),
    CorpusEntry("local_execution/local_execution_pipeline_with_k8s_only_methods", "pipeline_with_k8s_only_methods"),
    CorpusEntry("local_execution/local_execution_pipeline_with_oneof", "pipeline_with_oneof"),
    CorpusEntry("local_execution/local_execution_pipeline_with_retry", "pipeline_with_retry"),
    CorpusEntry("local_execution/pipeline_with_caching", "pipeline_with_caching"),
    CorpusEntry("local_execution/pipeline_with_collected_artifacts", "pipeline_with_collected_artifacts"),
    CorpusEntry("log_streaming", "log_streaming_pipeline"),
    CorpusEntry("long_running", "wait_awhile"),
    CorpusEntry("metrics_visualization_v2", "metrics_visualization_pipeline"),
    CorpusEntry("mounted_cabundle_configmap", "echo"),
    CorpusEntry("mounted_cabundle_secret", "echo"),
    CorpusEntry("nested_return", "nested_return"),
    CorpusEntry("nested_with_parameters", "math_pipeline"),
    CorpusEntry("output_metrics", "output_metrics"),
    CorpusEntry("parallel_and_nested/loop_consume_upstream", "loop_consume_upstream"),
    CorpusEntry("parallel_and_nested/nested_parallel_for_secret", "pipeline_nested_parallel_for_secret"),
    CorpusEntry("parallel_and_nested/nested_pipeline_opt_input_child_level", "nested_pipeline_opt_input_child_level"),
    CorpusEntry("parallel_and_nested/nested_pipeline_opt_inputs_nil", "nested_pipeline_opt_inputs_nil"),
    CorpusEntry(
        "parallel_and_nested/nested_pipeline_opt_inputs_parent_level", "nested_pipeline_opt_inputs_parent_level"
    ),
    CorpusEntry("parallel_and_nested/parallel_for_mount_pvc", "pipeline_parallel_for_mount_pvc"),
    CorpusEntry("parallel_and_nested/parallel_for_secret", "pipeline_parallel_for_secret"),
    CorpusEntry("parallel_and_nested/pipeline_in_pipeline", "my_pipeline"),
    CorpusEntry("parallel_and_nested/pipeline_in_pipeline_complex", "my_pipeline"),
    CorpusEntry(
        "parallel_and_nested/pipeline_in_pipeline_loaded_from_yaml",
        "my_pipeline",
        loads_compiled=("essential/pipeline_with_outputs",),
    ),
    CorpusEntry("parallel_and_nested/pipeline_with_loops", "my_pipeline"),
    CorpusEntry("parameter", "crust"),
    CorpusEntry("parameters_complex", "math_pipeline"),
    CorpusEntry("pipeline_as_exit_task", "my_pipeline"),
    CorpusEntry("pipeline_container_no_input", "pipeline_container_no_input"),
    CorpusEntry("pipeline_producer_consumer", "math_pipeline"),
    CorpusEntry("pipeline_with_component_from_text", "pipeline_with_env"),
    CorpusEntry("pipeline_with_concat_placeholder", "pipeline_with_concat_placeholder"),
    CorpusEntry(
        "pipeline_with_condition_dynamic_task_output_custom_training_job", "pipeline_with_dynamic_condition_output"
    ),
    CorpusEntry("pipeline_with_dynamic_importer_metadata", "my_pipeline"),
    CorpusEntry("pipeline_with_google_artifact_type", "my_pipeline"),
    CorpusEntry("pipeline_with_importer", "my_pipeline"),
    CorpusEntry("pipeline_with_importer_and_gcpc_types", "my_pipeline"),
    CorpusEntry("pipeline_with_loops_and_conditions", "my_pipeline"),
    CorpusEntry("pipeline_with_metadata_fields", "dataset_concatenator"),
    CorpusEntry("pipeline_with_nested_loops", "my_pipeline"),
    CorpusEntry("pipeline_with_parallelfor_list_artifacts", "my_pipeline"),
    CorpusEntry("pipeline_with_parallelfor_parallelism", "my_pipeline"),
    CorpusEntry("pipeline_with_parallelfor_pipeline_param", "my_pipeline"),
    CorpusEntry("pipeline_with_retry", "my_pipeline"),
    CorpusEntry("pipeline_with_secret_as_volume", "pipeline_secret_volume"),
    CorpusEntry("pipeline_with_string_machine_fields_pipeline_input", "pipeline"),
    CorpusEntry("pipeline_with_string_machine_fields_task_output", "pipeline"),
    CorpusEntry("pipeline_with_task_final_status", "my_pipeline"),
    CorpusEntry("pipeline_with_task_final_status_yaml", "my_pipeline"),
    CorpusEntry("pipeline_with_task_using_ignore_upstream_failure", "my_pipeline"),
    CorpusEntry("pipeline_with_utils", "pipeline_with_utils"),
    CorpusEntry("pipeline_with_various_io_types", "my_pipeline"),
    CorpusEntry("pipeline_with_volume", "pipeline_with_volume"),
    CorpusEntry("pipeline_with_volume_long_name", "pipeline_with_volume_long_name"),
    # Its __main__ block compiles `pipeline_with_volume`, a name the file lacks.
    CorpusEntry("pipeline_with_volume_no_cache", "pipeline_with_volume_no_cache"),
    CorpusEntry("preprocess", "preprocess"),
    CorpusEntry("pvc_mount", "pvc_mount_pipeline"),
    CorpusEntry("pvc_mount_subpath", "pvc_mount_subpath_pipeline"),
    CorpusEntry("pythonic_artifact_with_single_return", "make_language_model_pipeline"),
    CorpusEntry("pythonic_artifacts_with_list_of_artifacts", "make_and_join_datasets"),
    CorpusEntry("pythonic_artifacts_with_multiple_returns", "split_datasets_and_return_first"),
    CorpusEntry("run_as_user_cache_disabled", "echo"),
    CorpusEntry("run_as_user_cache_enabled", "echo"),
    CorpusEntry("sequential_v1", "sequential"),
    CorpusEntry("sequential_v2", "sequential"),
    CorpusEntry("take_nap", "take_nap_pipeline"),
    CorpusEntry("take_nap_pipeline_root", "take_nap_pipeline"),
    CorpusEntry("two_step_pipeline", "my_pipeline"),
    CorpusEntry("two_step_with_uri_placeholder", "two_step_with_uri_placeholder"),
)

BY_ID = {entry.id: entry for entry in ENTRIES}
