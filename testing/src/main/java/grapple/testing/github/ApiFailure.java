package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A GitHub error answer, thrown by an endpoint and turned into {@code {"message":…}} at the edge.
 */
final class ApiFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;

  /** The {@code errors} array of a 422 Validation Failed, or null. */
  final transient JsonNode errors;

  ApiFailure(int status, String message) {
    this(status, message, null);
  }

  ApiFailure(int status, String message, JsonNode errors) {
    super(message, null, false, false);
    this.status = status;
    this.errors = errors;
  }

  static ApiFailure notFound() {
    return new ApiFailure(404, "Not Found");
  }

  static ApiFailure badCredentials() {
    return new ApiFailure(401, "Bad credentials");
  }

  static ApiFailure requiresAuthentication() {
    return new ApiFailure(401, "Requires authentication");
  }

  /** What GitHub says when an installation (or app user) token lacks a permission. */
  static ApiFailure notAccessibleByIntegration() {
    return new ApiFailure(403, "Resource not accessible by integration");
  }

  /**
   * 422 Validation Failed with one error such as {@code
   * {"resource":"Issue","code":"missing_field","field":"title"}}.
   */
  static ApiFailure validation(String resource, String code, String field) {
    JsonNode errors =
        GithubCorpus.JSON
            .createArrayNode()
            .add(
                GithubCorpus.JSON
                    .createObjectNode()
                    .put("resource", resource)
                    .put("code", code)
                    .put("field", field));
    return new ApiFailure(422, "Validation Failed", errors);
  }
}
