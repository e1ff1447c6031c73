package grapple.bot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The GitLab payloads in {@code src/test/resources/gitlab/} (see testing/corpora/SOURCES.md):
 * GitLab's Go client testdata (webhooks and system hooks, two versions) and real captures from
 * jira-to-matrix.
 */
final class GitlabCorpus {
  private GitlabCorpus() {}

  /** Every payload file, as a path under {@code gitlab/}, sorted. */
  static List<String> files() {
    try {
      URL root = Objects.requireNonNull(GitlabCorpus.class.getResource("/gitlab"), "/gitlab");
      Path dir = Path.of(root.toURI());
      try (Stream<Path> walk = Files.walk(dir)) {
        return walk.filter(p -> p.toString().endsWith(".json"))
            .map(p -> dir.relativize(p).toString().replace('\\', '/'))
            .sorted()
            .toList();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] bytes(String file) {
    try (InputStream in = GitlabCorpus.class.getResourceAsStream("/gitlab/" + file)) {
      if (in == null) throw new IllegalArgumentException("no payload " + file);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh, changeable copy of a payload. */
  static ObjectNode payload(String file) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(bytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code X-Gitlab-Event} GitLab sends with a payload like this one. */
  static String header(String file, JsonNode payload) {
    if (file.contains("systemhooks/")) return "System Hook";
    String kind = payload.path("object_kind").asText(payload.path("event_name").asText(""));
    return switch (kind) {
      case "merge_request" -> "Merge Request Hook";
      case "push" -> "Push Hook";
      case "tag_push" -> "Tag Push Hook";
      case "note" -> "Note Hook";
      case "issue" ->
          payload.path("event_type").asText("").startsWith("confidential")
              ? "Confidential Issue Hook"
              : "Issue Hook";
      case "wiki_page" -> "Wiki Page Hook";
      case "pipeline" -> "Pipeline Hook";
      case "build" -> "Job Hook";
      case "deployment" -> "Deployment Hook";
      case "feature_flag" -> "Feature Flag Hook";
      case "release" -> "Release Hook";
      case "access_token" -> "Resource Access Token Hook";
      case "subgroup_create" -> "Subgroup Hook";
      default -> "Member Hook";
    };
  }

  /** The instances the payloads' projects are on, as config: name → URL. */
  static final String INSTANCES =
      "{example: {url: 'http://example.com'}, secure: {url: 'https://example.com'},"
          + " lab: {url: 'http://192.168.64.1:3005'}, deploy: {url: 'http://10.126.0.2:3000'},"
          + " wood: {url: 'http://10.40.8.5:3200'}, ru: {url: 'https://gitlab.test-example.ru'},"
          + " gex: {url: 'https://gitlab.example.com'}, vcsg: {url: 'https://vcs.gitlab.example.com'},"
          + " vcs: {url: 'https://vcs.example.com'}}";
}
