package grapple.testing.gitea;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Real Gitea and Forgejo webhook payloads (captures kept as test fixtures by Woodpecker CI and
 * Zulip; see testing/corpora/SOURCES.md), each with the event header its forge sent it with, and
 * how a delivery is signed and labelled ({@code X-Gitea-*} or {@code X-Forgejo-*}).
 */
public final class GiteaPayloads {
  private static final String DIR = "/grapple/testing/gitea/payloads/";

  /** One payload: its file, the forge and event header it came with, and its action (or ""). */
  public record Payload(String file, String forge, String event) {
    public byte[] body() {
      try (InputStream in = GiteaPayloads.class.getResourceAsStream(DIR + file)) {
        if (in == null) throw new IllegalStateException("missing test resource " + DIR + file);
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public ObjectNode json() {
      try {
        return (ObjectNode) Json.UNTRUSTED.readTree(body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String action() {
      return json().path("action").asText("");
    }

    @Override
    public String toString() {
      return file + " (" + forge + " " + event + ")";
    }
  }

  /** Every payload, each with the event header Gitea (or Forgejo) sends it under. */
  public static final List<Payload> ALL =
      List.of(
          new Payload("zulip-gitea-issues__opened.json", "gitea", "issues"),
          new Payload("zulip-gitea-issue_comment__new.json", "gitea", "issue_comment"),
          new Payload("woodpecker-gitea-HookPullRequest.json", "gitea", "pull_request"),
          new Payload("woodpecker-gitea-HookPullRequestClosed.json", "gitea", "pull_request"),
          new Payload("woodpecker-gitea-HookPullRequestMerged.json", "gitea", "pull_request"),
          new Payload("woodpecker-gitea-HookPullRequestReopened.json", "gitea", "pull_request"),
          new Payload(
              "woodpecker-gitea-HookPullRequestReviewAck.json", "gitea", "pull_request_approved"),
          new Payload(
              "woodpecker-gitea-HookPullRequestReviewDeny.json", "gitea", "pull_request_rejected"),
          new Payload(
              "woodpecker-gitea-HookPullRequestReviewComment.json",
              "gitea",
              "pull_request_comment"),
          new Payload("woodpecker-gitea-HookPush.json", "gitea", "push"),
          new Payload("woodpecker-gitea-HookPushMulti.json", "gitea", "push"),
          new Payload("woodpecker-gitea-HookTag.json", "gitea", "create"),
          new Payload("woodpecker-gitea-HookRelease.json", "gitea", "release"),
          new Payload("woodpecker-forgejo-HookPullRequest.json", "forgejo", "pull_request"),
          new Payload("woodpecker-forgejo-HookPullRequestMerged.json", "forgejo", "pull_request"),
          new Payload("woodpecker-forgejo-HookPush.json", "forgejo", "push"),
          new Payload("woodpecker-forgejo-HookTag.json", "forgejo", "create"),
          new Payload("woodpecker-forgejo-HookRelease.json", "forgejo", "release"));

  private GiteaPayloads() {}

  /** The payload from {@code file}. */
  public static Payload get(String file) {
    return ALL.stream()
        .filter(p -> p.file().equals(file))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no payload " + file));
  }

  /**
   * {@code payload} moved to repository {@code fullName} on the instance at {@code web}: the
   * repository's {@code full_name}, {@code name}, {@code html_url}, and the issue or pull request's
   * {@code html_url}. Returns the bytes to send.
   */
  public static byte[] toRepo(ObjectNode payload, String web, String fullName) {
    JsonNode repository = payload.path("repository");
    if (repository.isObject()) {
      ((ObjectNode) repository)
          .put("full_name", fullName)
          .put("name", fullName.substring(fullName.indexOf('/') + 1))
          .put("html_url", web + "/" + fullName);
    }
    for (String item : List.of("pull_request", "issue")) {
      JsonNode node = payload.path(item);
      if (node.isObject() && node.path("html_url").isTextual()) {
        String kind = item.equals("issue") ? "/issues/" : "/pulls/";
        String number = node.path("number").asText(payload.path("number").asText());
        ((ObjectNode) node).put("html_url", web + "/" + fullName + kind + number);
      }
    }
    return Json.write(payload).getBytes(StandardCharsets.UTF_8);
  }

  /** Gitea's signature: the lowercase hex HMAC-SHA256 of the body with the hook's secret. */
  public static String sign(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256", e);
    }
  }

  /**
   * The headers of a delivery as {@code forge} ("gitea" or "forgejo") sends them: {@code
   * X-Gitea-Event}, {@code X-Gitea-Delivery}, {@code X-Gitea-Signature} (or the {@code X-Forgejo-}
   * ones), and the content type. Only that forge's names, so each name is tested on its own.
   */
  public static Map<String, String> headers(
      String forge, String event, String delivery, String secret, byte[] body) {
    String prefix = forge.equals("forgejo") ? "X-Forgejo-" : "X-Gitea-";
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put(prefix + "Event", event);
    headers.put(prefix + "Delivery", delivery);
    headers.put(prefix + "Signature", sign(secret, body));
    return headers;
  }
}
