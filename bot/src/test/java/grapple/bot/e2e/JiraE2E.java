package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import grapple.testing.jira.FakeJira;
import grapple.testing.jira.JiraCall;
import grapple.testing.jira.JiraCorpus;
import grapple.testing.jira.JiraSigner;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code jira} service of the built jar against Synapse and a local JIRA Cloud (issue 13, "End
 * to end"): alice links JIRA Cloud by OAuth (following the authorize link as a browser would), the
 * room follows ACME by {@code jira project <url>}, a signed {@code jira:issue_created} becomes
 * hookshot's notice with its machine keys, {@code !jira create} files the issue with alice's token,
 * and {@code /v1/jira} answers with the linked data. In order: each step needs the one before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JiraE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String PROJECT_EVENT_TYPE = "uk.half-shot.matrix-hookshot.jira.project";
  private static final String ACCOUNT_ID = "5b10a2844c20165700ede21g";

  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30)).followRedirects(false).build();
  private Cast cast;
  @AutoClose private FakeJira jira;
  private GrappleProcess bot;
  private TestRoom room;
  private TestRoom dm;
  private String webhookSecret;
  private String provisioningSecret;

  @BeforeAll
  void startFakeJiraAndBot() {
    cast = Cast.require();
    jira =
        FakeJira.start().oauthApp("jira-e2e-client", "jira-e2e-client-secret-01").siteName("acme");
    jira.user(ACCOUNT_ID, "Alice Liddell");
    jira.signIn(ACCOUNT_ID);
    jira.project("ACME", "Acme Rockets");
    webhookSecret = "jira-secret-" + cast.runId() + "-0123456789";
    provisioningSecret = "prov-secret-" + cast.runId() + "-0123456789";
    bot = watched.watch(GrappleProcess.prepare("jira", cast));
    bot.launch(
        """
        jira:
          enabled: true
          webhook: {secret: "%s"}
          oauth:
            clientId: jira-e2e-client
            clientSecret: jira-e2e-client-secret-01
            redirectUri: "http://127.0.0.1:%d/oauth/jira"
            authUrl: "%s"
            apiUrl: "%s"
        provisioning: {secret: "%s"}
        """
            .formatted(webhookSecret, bot.webhookPort, jira.url(), jira.url(), provisioningSecret));
    room = TestRoom.create(cast.alice(), bot, cast.bob());
    dm = TestRoom.create(cast.alice(), bot);
  }

  @Test
  @Order(1)
  void aliceLinksJiraCloudByFollowingTheAuthorizeLink() throws IOException {
    Seen reply = dm.sendAndAwaitReply(cast.alice(), "jira login");
    HttpUrl link = HttpUrl.get(reply.body().substring(reply.body().indexOf("http")).strip());
    assertThat(link.queryParameter("audience")).isEqualTo("api.atlassian.com");

    String location;
    try (Response consent = http.newCall(new Request.Builder().url(link).build()).execute()) {
      assertThat(consent.code()).as("Atlassian's authorize page redirects").isEqualTo(302);
      location = consent.header("Location");
    }
    assertThat(location).startsWith("http://127.0.0.1:" + bot.webhookPort + "/oauth/jira?code=");
    try (Response page = http.newCall(new Request.Builder().url(location).build()).execute()) {
      assertThat(page.code()).isEqualTo(200);
      assertThat(page.body().string())
          .contains("Linked as Alice Liddell. You can close this page.");
    }

    Seen whoami = dm.sendAndAwaitReply(cast.alice(), "jira whoami");
    assertThat(whoami.body())
        .isEqualTo("You are logged in to JIRA:\n\n- JIRA Cloud as `Alice Liddell`");
  }

  @Test
  @Order(2)
  void theRoomFollowsTheProjectByItsUrl() {
    String command = room.send(cast.alice(), "!grapple jira project " + jira.browseUrl("ACME-1"));
    assertThat(room.awaitReplyTo(command).body())
        .isEqualTo("Room configured to bridge Jira project ACME.");

    JsonNode state =
        room.owner.awaitStateEvent(
            room.id,
            PROJECT_EVENT_TYPE,
            jira.url() + "/projects/ACME",
            "a JIRA project connection",
            e -> e.path("content").path("url").asText().endsWith("/projects/ACME"),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(state.path("sender").asText()).isEqualTo(bot.userId);
    assertThat(state.path("content").path("id").asText()).isNotEmpty();
  }

  @Test
  @Order(3)
  void aSignedIssueCreatedBecomesHookshotsNoticeWithMachineKeys() throws IOException {
    ObjectNode payload =
        (ObjectNode) grapple.state.Json.UNTRUSTED.readTree(JiraCorpus.cloudIssueCreated());
    ObjectNode issue = (ObjectNode) payload.get("issue");
    issue.put("self", jira.url() + "/rest/api/3/issue/10007").put("key", "ACME-8");
    ((ObjectNode) issue.path("fields").path("project"))
        .put("self", jira.url() + "/rest/api/3/project/ACME")
        .put("key", "ACME");
    byte[] body = grapple.state.Json.write(payload).getBytes(StandardCharsets.UTF_8);
    long mark = room.owner.mark();

    Request request =
        new Request.Builder()
            .url("http://127.0.0.1:" + bot.webhookPort + "/jira/webhook")
            .header("X-Hub-Signature", JiraSigner.signature(webhookSecret, body))
            .header("X-Atlassian-Webhook-Identifier", "e2e-" + cast.runId())
            .post(RequestBody.create(body, MediaType.get("application/json")))
            .build();
    try (Response response = http.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(202);
    }

    Seen notice = room.awaitBotMessage(mark);
    assertThat(notice.body())
        .isEqualTo(
            "Test User created a new JIRA issue [ACME-8]("
                + jira.browseUrl("ACME-8")
                + "): \"Test issue\"");
    assertThat(notice.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(
            notice.content().path("uk.half-shot.matrix-hookshot.jira.issue").path("key").asText())
        .isEqualTo("ACME-8");
    assertThat(
            notice.content().path("uk.half-shot.matrix-hookshot.jira.project").path("key").asText())
        .isEqualTo("ACME");
  }

  @Test
  @Order(4)
  void createFilesTheIssueWithAlicesToken() {
    String command = room.send(cast.alice(), "!jira create Task \"Title\"");

    assertThat(room.awaitReplyTo(command).body())
        .isEqualTo(
            "Created JIRA issue ACME-1: ["
                + jira.browseUrl("ACME-1")
                + "]("
                + jira.browseUrl("ACME-1")
                + ")");
    assertThat(jira.issues())
        .singleElement()
        .satisfies(i -> assertThat(i.summary()).isEqualTo("Title"));
    JiraCall myself = jira.callsTo("GET", "/rest/api/3/myself").get(0);
    assertThat(jira.issues().get(0).token())
        .as("the token alice linked")
        .startsWith("jira-access-")
        .isEqualTo(myself.authorization().substring("Bearer ".length()));
  }

  @Test
  @Order(5)
  void theV1RoutesAnswerWithTheLinkedData() throws IOException {
    String alice = "?userId=" + URLEncoder.encode(cast.alice().userId, StandardCharsets.UTF_8);

    assertThat(api("/v1/jira/account" + alice))
        .isEqualTo(
            "{\"loggedIn\":true,\"instances\":[{\"name\":\"acme\",\"url\":\""
                + jira.url()
                + "\"}]}");
    assertThat(api("/v1/jira/instances/acme/projects" + alice))
        .startsWith(
            "[{\"key\":\"ACME\",\"name\":\"Acme Rockets\",\"url\":\""
                + jira.url()
                + "/projects/ACME\",\"id\":");
    String bob = "?userId=" + URLEncoder.encode(cast.bob().userId, StandardCharsets.UTF_8);
    assertThat(api("/v1/jira/account" + bob)).isEqualTo("{\"loggedIn\":false}");
  }

  private String api(String pathAndQuery) throws IOException {
    Request request =
        new Request.Builder()
            .url(bot.provisioningUrl() + pathAndQuery)
            .header("Authorization", "Bearer " + provisioningSecret)
            .build();
    try (Response response = http.newCall(request).execute()) {
      return response.body().string();
    }
  }
}
