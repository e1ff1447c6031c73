package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.github.GithubService;
import grapple.state.Json;
import grapple.testing.github.GithubCorpus;
import grapple.testing.github.GithubSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prDiff} without a GitHub App: the new PR's diff is fetched without a token (hookshot
 * fetches {@code diff_url} with a plain GET), so a public repository's diff shows with no App.
 * GitHub's API is a MockWebServer here.
 */
class GithubPrDiffTest {
  private static final String SECRET = "webhook-secret-0123";
  private static final String DIFF =
      "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-old\n+new\n";

  @TempDir Path dir;
  @AutoClose private final MockWebServer api = new MockWebServer();
  @AutoClose private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    api.start();
    String url = api.url("/api/v3").toString();
    String yaml =
        "github: {enabled: true, webhook: {secret: '"
            + SECRET
            + "'}, apiUrl: '"
            + url
            + "', webUrl: '"
            + api.url("/")
            + "'}";
    hub = new TestHub(dir, List.of(new GithubService()), yaml, TestHub.EVERYONE_ADMIN);
    hub.joined(ALICE);
    ObjectNode content = Json.object().put("org", "o").put("repo", "r");
    content.putObject("prDiff").put("enabled", true).put("maxLines", 30);
    hub.state("uk.half-shot.matrix-hookshot.github.repository", "o/r", ALICE, content);
    hooks = hub.webhookClient();
  }

  @Test
  void aNewPullRequestShowsItsDiffFetchedWithoutAToken() throws Exception {
    api.enqueue(new MockResponse.Builder().code(200).body(DIFF).build());

    assertThat(postOpened()).isEqualTo(202);

    RecordedRequest request = api.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("the diff fetch").isNotNull();
    assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v3/repos/o/r/pulls/2");
    assertThat(request.getHeaders().get("Accept")).isEqualTo("application/vnd.github.diff");
    assertThat(request.getHeaders().get("Authorization")).isNull();
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.content().path("body").asText())
        .startsWith("🔵 ")
        .contains("``` diff\n" + DIFF.strip());
  }

  @Test
  void aDiffGithubRefusesLeavesTheNoticeWithoutIt() throws Exception {
    api.enqueue(new MockResponse.Builder().code(404).body("{\"message\":\"Not Found\"}").build());

    assertThat(postOpened()).isEqualTo(202);

    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.content().path("body").asText()).startsWith("🔵 ").doesNotContain("```");
  }

  @Test
  void aDiffLongerThanWhatIsFetchedSaysSoInsteadOfEndingMidLine() throws Exception {
    // One line longer than the bytes fetched for 30 lines (a minified file, a lock file).
    String longLine = "+" + "x".repeat(50_000) + "\n";
    api.enqueue(new MockResponse.Builder().code(200).body(DIFF + longLine + "+end\n").build());

    assertThat(postOpened()).isEqualTo(202);

    String body = hub.gateway.takeSent(WAIT).content().path("body").asText();
    assertThat(body).contains("``` diff\n" + DIFF.strip() + "\n… at least 1 more line\n```");
    assertThat(body).doesNotContain("xxxxxxxxxx");
  }

  @Test
  void aDiffOfManyLinesCountsTheLinesNotFetchedAsAtLeast() throws Exception {
    api.enqueue(
        new MockResponse.Builder()
            .code(200)
            .body(DIFF + ("+" + "y".repeat(59) + "\n").repeat(2_000))
            .build());

    assertThat(postOpened()).isEqualTo(202);

    String body = hub.gateway.takeSent(WAIT).content().path("body").asText();
    // 30 lines shown; how many more is not known, as only the diff's start was fetched.
    assertThat(body).containsPattern("\n(\\+y{59}\n){24}… at least \\d+ more lines\n```$");
  }

  /** Octokit's pull_request.opened example (PR #2) on o/r, delivered signed. */
  private int postOpened() throws Exception {
    ObjectNode payload =
        (ObjectNode)
            GithubCorpus.get().webhookExamples().stream()
                .filter(e -> e.event().equals("pull_request") && "opened".equals(e.action()))
                .findFirst()
                .orElseThrow()
                .json();
    ((ObjectNode) payload.get("repository")).put("full_name", "o/r").put("name", "r");
    byte[] body = Json.write(payload).getBytes(StandardCharsets.UTF_8);
    return hooks
        .send(
            hooks
                .post("/github/webhook", body)
                .header("X-GitHub-Event", "pull_request")
                .header("X-GitHub-Delivery", "d1")
                .header("X-Hub-Signature-256", GithubSigner.sign(SECRET, body)))
        .statusCode();
  }
}
