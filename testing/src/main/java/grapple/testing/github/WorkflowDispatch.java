package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One accepted {@code workflow_dispatch}: the workflow (by id and by path, whichever the caller
 * named), the ref, the inputs as sent ({@code {}} when none) and who asked.
 */
public record WorkflowDispatch(
    String repo, long workflowId, String workflowPath, String ref, JsonNode inputs, String actor) {}
