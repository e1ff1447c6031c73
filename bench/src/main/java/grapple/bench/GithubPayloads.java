package grapple.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.github.GithubCorpus;
import grapple.testing.github.GithubSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;

/**
 * The github scenario's webhook payloads: octokit's published examples of 20-60 KB, moved to one
 * repository. Pull requests and reviews are that size as published; an issue and a comment are
 * published at 12-19 KB, so their body is made long (as a long bug report or pasted log would be).
 * The review is marked approved: hookshot shows approvals, not the example's plain review comment.
 */
final class GithubPayloads {
  /** The body of an issue opened with a long report, in bytes of the whole payload. */
  static final int LONG_ISSUE_BYTES = 55_000;

  /** The body of a comment with a pasted log, in bytes of the whole payload. */
  static final int LONG_COMMENT_BYTES = 32_000;

  private static final ObjectMapper COMPACT = new ObjectMapper();

  /**
   * One payload ready to post: the event, a label for output, the JSON, its bytes and their
   * signature.
   */
  record Payload(String event, String label, ObjectNode json, byte[] body, String signature) {
    /** The request headers of a delivery of this payload with its own delivery id. */
    String headers(String deliveryId) {
      return Load.JSON_HEADERS
          + "X-GitHub-Event: "
          + event
          + "\r\nX-GitHub-Delivery: "
          + deliveryId
          + "\r\nX-Hub-Signature-256: "
          + signature
          + "\r\n";
    }

    Load.Call call(String deliveryId) {
      return new Load.Call("POST", "/github/webhook", headers(deliveryId), body);
    }

    /**
     * The same payload with {@code marker} where the notice shows it (the title, or a comment's
     * first words).
     */
    Payload marked(String marker, String secret) {
      ObjectNode copy = json.deepCopy();
      if (event.equals("issue_comment")) {
        ObjectNode comment = (ObjectNode) copy.path("comment");
        comment.put("body", marker + " " + comment.path("body").asText());
      } else {
        ((ObjectNode) copy.path(event.equals("issues") ? "issue" : "pull_request"))
            .put("title", marker);
      }
      return of(event, label, copy, secret);
    }
  }

  private GithubPayloads() {}

  /** The scenario's mix, all for {@code fullName}, signed with {@code secret}. */
  static List<Payload> make(String fullName, String secret) {
    return List.of(
        of(
            "pull_request",
            "pull_request.opened",
            moved(largest("pull_request", "opened"), fullName),
            secret),
        of(
            "pull_request",
            "pull_request.closed",
            moved(largest("pull_request", "closed"), fullName),
            secret),
        of(
            "pull_request_review",
            "pull_request_review.submitted (approved)",
            approved(moved(largest("pull_request_review", "submitted"), fullName)),
            secret),
        of(
            "issues",
            "issues.opened (long body)",
            padded(moved(largest("issues", "opened"), fullName), "issue", LONG_ISSUE_BYTES),
            secret),
        of(
            "issue_comment",
            "issue_comment.created (long body)",
            padded(
                moved(largest("issue_comment", "created"), fullName),
                "comment",
                LONG_COMMENT_BYTES),
            secret));
  }

  private static ObjectNode largest(String event, String action) {
    return (ObjectNode)
        GithubCorpus.get().webhookExamples().stream()
            .filter(e -> e.event().equals(event) && action.equals(e.action()))
            .max(Comparator.comparingInt(e -> e.body().length))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no " + event + "." + action + " example in the corpus"))
            .json();
  }

  /**
   * Hookshot shows approvals and change requests, not plain review comments (the example's state).
   */
  private static ObjectNode approved(ObjectNode payload) {
    ((ObjectNode) payload.path("review")).put("state", "approved");
    return payload;
  }

  private static ObjectNode moved(ObjectNode payload, String fullName) {
    ObjectNode repository = (ObjectNode) payload.path("repository");
    repository
        .put("full_name", fullName)
        .put("name", fullName.substring(fullName.indexOf('/') + 1))
        .put("html_url", "https://github.com/" + fullName);
    ((ObjectNode) repository.path("owner"))
        .put("login", fullName.substring(0, fullName.indexOf('/')));
    return payload;
  }

  /**
   * Appends report-like Markdown to {@code field}.body until the payload is about {@code bytes}
   * long.
   */
  private static ObjectNode padded(ObjectNode payload, String field, int bytes) {
    ObjectNode item = (ObjectNode) payload.path(field);
    StringBuilder body = new StringBuilder(item.path("body").asText(""));
    int missing = bytes - write(payload).length;
    for (int line = 1; body.length() < missing; line++) {
      body.append("\n- [ ] step ")
          .append(line)
          .append(": run `grapple --check module-")
          .append(line % 17)
          .append("` and compare the output with the log in #")
          .append(100 + line)
          .append(" (see **notes** above)");
    }
    item.put("body", body.toString());
    return payload;
  }

  private static Payload of(String event, String label, ObjectNode json, String secret) {
    byte[] body = write(json);
    return new Payload(event, label, json, body, GithubSigner.sign(secret, body));
  }

  private static byte[] write(JsonNode json) {
    try {
      return COMPACT.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new UncheckedIOException("writing a payload", e);
    }
  }
}
