package grapple.testing.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GithubCorpusTest {
  private final GithubCorpus corpus = GithubCorpus.get();

  @Test
  void holds329WebhookExamplesAcross58Events() {
    List<GithubCorpus.Example> examples = corpus.webhookExamples();

    assertThat(examples).hasSize(329);
    assertThat(examples.stream().map(GithubCorpus.Example::event).distinct()).hasSize(58);
  }

  @Test
  void labelsAreUniqueAndNameEventAndAction() {
    List<GithubCorpus.Example> examples = corpus.webhookExamples();

    assertThat(examples.stream().map(GithubCorpus.Example::label).collect(Collectors.toSet()))
        .hasSize(329);
    assertThat(examples)
        .allSatisfy(
            e ->
                assertThat(e.label())
                    .startsWith(e.event() + (e.action() == null ? "#" : "." + e.action() + "#")));
    assertThat(examples)
        .extracting(GithubCorpus.Example::label)
        .contains("push#0", "ping#3", "issues.opened#15", "repository_dispatch.on-demand-test#0");
  }

  @Test
  void everyBodyIsAJsonObjectWhoseActionMatches() {
    for (GithubCorpus.Example example : corpus.webhookExamples()) {
      JsonNode json = example.json();

      assertThat(json.isObject()).as(example.label()).isTrue();
      assertThat(json.path("action").asText(null)).as(example.label()).isEqualTo(example.action());
    }
  }

  @Test
  void pushExamplesHaveNoActionButARepository() {
    List<GithubCorpus.Example> pushes =
        corpus.webhookExamples().stream().filter(e -> e.event().equals("push")).toList();

    assertThat(pushes)
        .hasSize(7)
        .allSatisfy(
            push -> {
              assertThat(push.action()).isNull();
              assertThat(push.json().has("repository")).isTrue();
            });
  }

  @Test
  void findsAResponseExampleByOperationIdOrByMethodAndPath() {
    JsonNode byId = corpus.openApiExample("issues/create", 201);
    JsonNode byPath = corpus.openApiExample("POST", "/repos/{owner}/{repo}/issues", 201);

    assertThat(byId.path("title").asText()).isEqualTo("Found a bug");
    assertThat(byPath).isEqualTo(byId);
  }

  @Test
  void followsAnExampleWhoseValueIsAReference() {
    // issues/get lists {"summary": "Issue", "value": {"$ref": "#/components/examples/issue"}}
    JsonNode issue = corpus.openApiExample("issues/get", 200);

    assertThat(issue.path("number").asInt()).isEqualTo(1347);
  }

  @Test
  void eachExampleIsAFreshCopy() {
    ((com.fasterxml.jackson.databind.node.ObjectNode)
            corpus.openApiExample("users/get-authenticated", 200))
        .put("login", "changed");

    assertThat(corpus.openApiExample("users/get-authenticated", 200).path("login").asText())
        .isEqualTo("octocat");
  }

  @Test
  void aStatusWithoutAnExampleIsRefusedNamingTheStatusesThereAre() {
    assertThatThrownBy(() -> corpus.openApiExample("issues/create", 404))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issues/create 404")
        .hasMessageContaining("201");
  }

  @Test
  void anUnknownOperationIsRefused() {
    assertThatThrownBy(() -> corpus.openApiExample("issues/frobnicate", 200))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("issues/frobnicate");
  }

  @Test
  void aFailedFetchNamesTheScriptAndTheCacheDirectory(@TempDir Path dir) throws IOException {
    Path script =
        Files.writeString(
            dir.resolve("fetch.sh"), "echo 'npm: registry unreachable' >&2; exit 1\n");
    Path cache = dir.resolve("cache");

    assertThatThrownBy(() -> GithubCorpus.load(cache, script))
        .isInstanceOf(GithubCorpus.Unavailable.class)
        .hasMessageContaining(script.toString())
        .hasMessageContaining(cache.toString())
        .hasMessageContaining("exit 1: npm: registry unreachable");
  }

  @Test
  void theCacheIsUsedWithoutRunningTheScript() {
    Path noScript = Path.of("/nonexistent/fetch.sh");

    GithubCorpus cached = GithubCorpus.load(corpus.dir(), noScript);

    assertThat(cached.webhookExamples()).hasSize(329);
  }

  @Test
  void eventsWithoutARepositoryAreTheAccountAndAppLevelOnes() {
    Set<String> without =
        corpus.webhookExamples().stream()
            .filter(e -> !e.json().has("repository"))
            .map(GithubCorpus.Example::event)
            .collect(Collectors.toSet());

    assertThat(without)
        .contains(
            "installation", "installation_repositories", "github_app_authorization", "organization")
        .doesNotContain("issues", "push", "pull_request", "issue_comment", "workflow_run");
  }
}
