package grapple.bot.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.Mentions;
import grapple.state.Json;
import grapple.testing.github.FakeGithub;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * Payloads from {@code src/test/resources/github/} (octokit's examples) and configs for the github
 * tests.
 */
final class GithubFixtures {
  private GithubFixtures() {}

  /** Settings against {@code github} (a fake) with the OAuth app {@code clientId}. */
  static GithubSettings oauthSettings(FakeGithub github, String clientId, String clientSecret) {
    return settings(
        github,
        Optional.of(
            new GithubSettings.OAuth(
                clientId, clientSecret, "https://bot.example.org/oauth/github")));
  }

  /**
   * Settings against {@code github} (a fake) without {@code github.oauth}: as after the operator
   * removed it.
   */
  static GithubSettings settingsWithoutOauth(FakeGithub github) {
    return settings(github, Optional.empty());
  }

  private static GithubSettings settings(FakeGithub github, Optional<GithubSettings.OAuth> oauth) {
    return new GithubSettings(
        true,
        "webhook-secret-0123",
        HttpUrl.get(github.apiUrl()),
        HttpUrl.get(github.webUrl()),
        Optional.empty(),
        oauth,
        Json.object());
  }

  /** A fresh, changeable copy of {@code /github/<name>.json}. */
  static ObjectNode payload(String name) {
    try (InputStream in = GithubFixtures.class.getResourceAsStream("/github/" + name + ".json")) {
      if (in == null) throw new IllegalArgumentException("no payload " + name);
      return (ObjectNode) Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode json(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The example repo's connection with {@code extra} fields (JSON object members, or "") as new
   * state.
   */
  static GithubRepoConfig config(String extra) {
    String members = extra.isEmpty() ? "" : "," + extra;
    return GithubRepoConfig.parse(
        json("{\"org\":\"Codertocat\",\"repo\":\"Hello-World\"" + members + "}"), true);
  }

  static GithubRepoConfig defaults() {
    return config("");
  }

  /** Only {@code hooks} enabled. */
  static GithubRepoConfig enabling(String... hooks) {
    StringBuilder list = new StringBuilder();
    for (String hook : hooks)
      list.append(list.length() == 0 ? "" : ",").append('"').append(hook).append('"');
    return config("\"enableHooks\":[" + list + "]");
  }

  static Optional<ObjectNode> render(String event, JsonNode payload, GithubRepoConfig config) {
    return GithubMessages.render(event, payload, config, Mentions.NONE);
  }

  /** The content an event renders to; fails if it renders nothing. */
  static ObjectNode rendered(String event, JsonNode payload, GithubRepoConfig config) {
    return render(event, payload, config)
        .orElseThrow(() -> new AssertionError(event + " rendered nothing"));
  }

  /** The notice for a new issue comment that says {@code comment}, in a room enabling comments. */
  static ObjectNode commentNotice(String comment) {
    ObjectNode payload = payload("issue_comment.created");
    payload.withObjectProperty("comment").put("body", comment);
    return rendered("issue_comment", payload, config("\"enableHooks\": [\"issue.comment\"]"));
  }

  static Mentions linked(Map<String, String> logins) {
    return login -> Optional.ofNullable(logins.get(login));
  }
}
