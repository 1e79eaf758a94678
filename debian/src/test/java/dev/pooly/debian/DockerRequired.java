package dev.pooly.debian;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a class of ITs only on a Docker engine. Without one they are reported skipped, with a
 * message that says how to get one, except in CI ({@code CI=true}), where a missing engine fails
 * the run: a green build must never mean that the integration tests silently did not run.
 *
 * <p>Register it before Testcontainers' extension, so that no container is tried first.
 */
final class DockerRequired implements ExecutionCondition {
    @Override public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (DockerClientFactory.instance().isDockerAvailable()) return ConditionEvaluationResult.enabled("a Docker engine answers");
        String message = "no Docker engine reachable (DOCKER_HOST, /var/run/docker.sock), so " + context.getDisplayName()
                + " cannot run; start one (here: apt-get install -y docker.io, then dockerd --bridge=none --iptables=false"
                + " --ip6tables=false &), or run bash .ci/run, which does";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new IllegalStateException("CI=true: " + message);
        return ConditionEvaluationResult.disabled(message);
    }
}
