"""The recorded payloads of ``../shared/fixtures`` by what they are, for the tests that parse
them all (the unit tests of the parsers) and the fuzz tests that mutate them."""

from __future__ import annotations

# -- Marathon ----------------------------------------------------------------------------------

MARATHON_APP_LISTINGS = [
    "marathon/api-examples/app_list.json",
    "marathon/api-examples-v1.4/app_list.json",
    "asgard-recorded/requests/get-v2apps-all-apps.json",
]
MARATHON_GROUPS = [
    "marathon/api-examples/group.json",
    "marathon/api-examples-v1.4/group.json",
    "asgard-recorded/non_root_group_with_subgroups_and_apps.json",
]
# Group and app definitions as they are sent to Marathon: no version of their own.
MARATHON_GROUP_DEFINITIONS = [
    "marathon/benchmark/group-100-apps.json",
    "marathon/system-tests/group-sleep-group.json",
    "marathon/dcos-cli/request-group-complicated.json",
]
MARATHON_APP_DEFINITIONS = [
    "marathon/api-examples/app.json",
    "marathon/api-examples-v1.4/app.json",
    "marathon/api-examples/app-check-http-example.json",
    "marathon/dcos-cli/request-app-add-400.json",
    *(
        f"marathon/system-tests/app-{name}.json"
        for name in (
            "docker-http-server",
            "healthcheck-and-volume",
            "persistent-volume-app",
            "private-ucr-docker-app",
            "readiness-and-health-app",
            "resident-docker-app",
            "sleep-app",
        )
    ),
]
MARATHON_TASK_LISTINGS = [
    "marathon/api-examples/tasks.json",
    "marathon/api-examples/app_tasks.json",
    "marathon/api-examples-v1.4/tasks.json",
    "marathon/api-examples-v1.4/app_tasks.json",
    "asgard-recorded/tasks/get.json",
    "asgard-recorded/tasks/get_multi_namespace.json",
    "asgard-recorded/tasks/get_single_namespace.json",
    "asgard-recorded/tasks/get_single_infra_namespace.json",
]
MARATHON_QUEUES = [
    "marathon/api-examples/queue.json",
    "marathon/api-examples-v1.4/queue.json",
    "asgard-recorded/queue/get.json",
]
# A recorded app in Marathon's newer definition format, and a group trimmed to one namespace.
NEW_FORMAT_APP = "asgard-recorded/filters/app-json-new-format.json"
TRIMMED_GROUP = "asgard-recorded/group_dev_namespace_with_apps_with_tasks.json"

# -- Mesos -------------------------------------------------------------------------------------

MESOS_SLAVE_LISTINGS = [
    "asgard-recorded/agents_list_raw_fields.json",
    "asgard-recorded/agents_multi_owner.json",
    "asgard-recorded/api/tasks/one_slave_json_id_2084863b-12d1-4319-b515-992eab91a53d-S1.json",
    "mesos/asgard-plugin-mesos-metrics/master-slaves.json",
    "mesos/datadog-integrations-core/master-state.json",
    "mesos/datadog-integrations-core/master-state-summary.json",
    "mesos/mesosphere-mesos-cli/master-state.json",
]
MESOS_TASK_LISTINGS = [
    "asgard-recorded/api/tasks/one_task_json_namespace_dev.json",
    "asgard-recorded/api/tasks/task_info_namespace_dev_task_id_infra_mongodb_mongodb1.2580925d-0129-11e8-9a03-6e85ded2ca1e.json",
    "mesos/asgard-plugin-mesos-metrics/master-tasks.json",
    "mesos/asgard-plugin-mesos-metrics/master-tasks-multiple-namespaces.json",
]
MESOS_STATES = [
    "mesos/datadog-integrations-core/master-state.json",
    "mesos/mesosphere-mesos-cli/master-state.json",
]
MESOS_AGENT_STATES = [
    "asgard-recorded/api/tasks/slave_state_id_2084863b-12d1-4319-b515-992eab91a53d-S1.json",
    "mesos/asgard-events-indexer/agent-state.json",
    "mesos/datadog-integrations-core/agent-state.json",
    "mesos/mesosphere-mesos-cli/agent-state.json",
]
