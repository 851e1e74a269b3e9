{%- set h = cookiecutter._hardgen -%}
// {{ h.name }}: an integration service, scaffolded by `hardgen new`.
// The configurables below are those hardgen's deploy/config/Config.toml and secrets template set (printed by
// `hardgen contract`): Ballerina stops at start on a value no configurable consumes and on a required (= ?) one
// without a value, so keep the two in step (`hardgen generate --project .` checks them before writing).
import ballerina/http;
import ballerina/log;
{{ h.imports | join("\n") }}

{{ h.configurables | join("\n") }}

{{ h.listener }}

service / on ep {
    // The health check of the Dockerfile, the Kubernetes probes and the systemd install ({{ h.health_path }}).
    resource function get {{ h.health_resource }}() returns string {
        log:printDebug("health check");
        return "ok";
    }
}
