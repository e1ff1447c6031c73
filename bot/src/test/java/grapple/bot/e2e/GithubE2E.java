package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.testing.Await;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubCorpus;
import grapple.testing.github.RecordedCall;
import grapple.testing.github.WebhookDelivery;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import okhttp3.Request;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code github} service of the built jar against Synapse and a local GitHub (issue 12, "End to
 * end"): a token linked by DM, a room following {@code o/r}, signed webhooks turned into hookshot's
 * notices, {@code !gh create} acting with the user's token, a token pasted in a room redacted, the
 * {@code /v1/github} routes, and what survives a restart, a kill -9 and a lost key file. The link
 * and the connection are made once, by whichever test needs them first; the tests that stop the bot
 * run last, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GithubE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String REPO_EVENT_TYPE = "uk.half-shot.matrix-hookshot.github.repository";
  private static final String REPO_KEY = "uk.half-shot.matrix-hookshot.github.repo";
  private static final String ISSUE_KEY = "uk.half-shot.matrix-hookshot.github.issue";
  private static final String LOGIN = "octo";
  private static final int BURST_EVENTS = 200;
  private static final int KILL_AFTER_ACKS = 80;

  private final WebhookPoster poster = new WebhookPoster();
  private Cast cast;
  @AutoClose private FakeGithub github;
  private GrappleProcess bot;
  private TestRoom room;
  private TestRoom dm;
  private String token;
  private String webhookSecret;
  private String provisioningSecret;
  private boolean linked;
  private boolean connected;
  private Throwable setupFailure;
  private int issueNumbers = 100;

  @BeforeAll
  void startFakeGithubAndBot() {
    cast = Cast.require();
    github = FakeGithub.start();
    token = "ghp_e2e" + cast.runId() + "0123456789abcdefghijklmnop";
    webhookSecret = "gh-secret-" + cast.runId() + "-0123456789";
    provisioningSecret = "prov-secret-" + cast.runId() + "-0123456789";
    github.user(LOGIN).token(token);
    github.repo("o/r").permission(LOGIN, "write");
    github.repo("o/burst").permission(LOGIN, "write");
    bot = watched.watch(GrappleProcess.prepare("github", cast));
    bot.launch(githubYaml());
    // Bob makes three: a room with only alice and the bot would be their direct chat.
    room = TestRoom.create(cast.alice(), bot, cast.bob());
    dm = TestRoom.create(cast.alice(), bot);
  }

  /** A test that failed halfway may have left the bot stopped. */
  @BeforeEach
  void botIsRunning() {
    if (!bot.isAlive()) bot.start();
  }

  private String githubYaml() {
    return """
        github:
          enabled: true
          webhook: {secret: "%s"}
          apiUrl: "%s"
          webUrl: "%s"
        provisioning: {secret: "%s"}
        """
        .formatted(webhookSecret, github.apiUrl(), github.webUrl(), provisioningSecret);
  }

  /**
   * Alice's token, linked by DM by the first test that needs it; a failure is remembered, not
   * retried.
   */
  private void linked() {
    if (setupFailure != null)
      throw new AssertionError("linking the token or following o/r failed earlier", setupFailure);
    try {
      if (!linked) {
        Seen reply = dm.sendAndAwaitReply(cast.alice(), "github setpersonaltoken " + token);
        assertThat(reply.body())
            .as("reply to setpersonaltoken")
            .isEqualTo("Connected as `" + LOGIN + "`. Token stored.");
        linked = true;
      }
    } catch (AssertionError | RuntimeException e) {
      setupFailure = e;
      throw e;
    }
  }

  /** The room follows o/r (made with the command by the first test that needs it). */
  private Seen connected() {
    linked();
    if (connected) return null;
    try {
      Seen reply = follow(room, "o/r");
      connected = true;
      return reply;
    } catch (AssertionError | RuntimeException e) {
      setupFailure = e;
      throw e;
    }
  }

  private Seen follow(TestRoom where, String repo) {
    String command =
        where.send(cast.alice(), "!grapple github repo " + github.webUrl() + "/" + repo);
    Seen reply = where.awaitReplyTo(command);
    assertThat(reply.body())
        .as("reply to github repo")
        .isEqualTo("Room configured to bridge `" + repo + "`");
    return reply;
  }

  // ---- Linking and following ----

  @Test
  @Order(1)
  void personalTokenSentByDirectMessageLinksTheAccount() {
    linked();

    RecordedCall check = github.awaitRequestTo("GET", "/user");
    assertThat(check.header("Authorization")).as("Authorization of GET /user").contains(token);
    Seen status = dm.sendAndAwaitReply(cast.alice(), "github status");
    assertThat(status.body()).isEqualTo("You are logged in to GitHub as `" + LOGIN + "`.");
  }

  @Test
  @Order(2)
  void repoCommandWritesTheRoomStateAndReplies() {
    Seen reply = connected();

    JsonNode state =
        room.owner.awaitStateEvent(
            room.id,
            REPO_EVENT_TYPE,
            "o/r",
            "a repository connection",
            e -> e.path("content").path("repo").asText().equals("r"),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(state.path("content").path("org").asText()).isEqualTo("o");
    assertThat(state.path("sender").asText()).as("who wrote the state").isEqualTo(bot.userId);
    if (reply != null) assertThat(reply.content().path("msgtype").asText()).isEqualTo("m.notice");
    RecordedCall permission =
        github.awaitRequestTo("GET", "/repos/o/r/collaborators/" + LOGIN + "/permission");
    assertThat(permission.header("Authorization"))
        .as("Authorization of the permission check")
        .contains(token);
  }

  @Test
  @Order(3)
  void listNamesTheRepository() {
    connected();

    Seen reply = room.sendAndAwaitReply(cast.alice(), "!grapple github list");

    assertThat(reply.body()).contains("o/r").contains("!gh");
  }

  // ---- Webhooks ----

  @Test
  @Order(10)
  void signedIssuesOpenedBecomesANoticeWithHookshotsKeys() throws IOException {
    connected();
    long mark = room.owner.mark();
    String title = "Opened " + cast.runId();

    Answer answer = post(nextIssueOpened(title, webhookSecret));

    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(202);
    assertThat(answer.body()).isEqualTo("{\"ok\":true}");
    Seen notice = room.awaitBotMessage(mark);
    JsonNode content = notice.content();
    assertThat(content.path("msgtype").asText()).as("msgtype of %s", notice).isEqualTo("m.notice");
    assertThat(notice.body())
        .contains("created new issue")
        .contains("o/r#" + issueNumbers)
        .contains(title);
    assertThat(content.path("formatted_body").asText(""))
        .as("formatted_body of %s", notice)
        .isNotBlank();
    assertThat(content.path(ISSUE_KEY).path("number").asInt())
        .as("%s in %s", ISSUE_KEY, notice)
        .isEqualTo(issueNumbers);
    assertThat(content.path(ISSUE_KEY).path("title").asText()).isEqualTo(title);
    assertThat(content.path(ISSUE_KEY).path("url").asText())
        .endsWith("/o/r/issues/" + issueNumbers);
    assertThat(content.path(REPO_KEY).path("name").asText())
        .as("%s in %s", REPO_KEY, notice)
        .isEqualTo("o/r");
  }

  @Test
  @Order(11)
  void wrongSignatureIsRefusedAndPostsNothing() throws IOException {
    connected();
    long mark = room.owner.mark();

    Answer refused = post(nextIssueOpened("forged", "not-the-secret-0123456789"));
    String marker = "After the forged one " + cast.runId();
    Answer accepted = post(nextIssueOpened(marker, webhookSecret));

    assertThat(refused.code()).as("status, body %s", refused.body()).isEqualTo(401);
    assertThat(accepted.code()).as("status, body %s", accepted.body()).isEqualTo(202);
    assertThat(room.awaitBotMessage(mark).body()).as("the bot's next message").contains(marker);
  }

  @Test
  @Order(12)
  void pingIsAnswered200() throws IOException {
    Answer answer =
        post(
            WebhookDelivery.signed(
                "ping",
                "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}"
                    .getBytes(StandardCharsets.UTF_8),
                webhookSecret));

    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(200);
  }

  @Test
  @Order(13)
  void redeliveryWithTheSameDeliveryIdIsPostedOnce() throws IOException {
    connected();
    String title = "Redelivered " + cast.runId();
    WebhookDelivery delivery = nextIssueOpened(title, webhookSecret);
    long mark = room.owner.mark();

    Answer first = post(delivery);
    Answer again = post(delivery);
    String marker = "After the redelivery " + cast.runId();
    post(nextIssueOpened(marker, webhookSecret));

    assertThat(first.code()).isEqualTo(202);
    assertThat(again.code()).as("a redelivery is acknowledged too").isEqualTo(202);
    room.awaitBotMessage(mark, "the marker notice", body -> body.contains(marker));
    room.owner.syncFor(Duration.ofSeconds(2));
    List<String> posted =
        room.botMessagesAfter(mark).stream()
            .map(Seen::body)
            .filter(b -> b.contains(title))
            .toList();
    assertThat(posted).as("notices for the delivery %s", delivery.deliveryId()).hasSize(1);
  }

  // ---- Commands on the connection ----

  @Test
  @Order(20)
  void createCommandOpensTheIssueWithTheUsersToken() {
    connected();

    assertCreateWorks("Title " + cast.runId(), "Body");
  }

  private void assertCreateWorks(String title, String body) {
    int before = github.requestsTo("POST", "/repos/o/r/issues").size();

    String command = room.send(cast.alice(), "!gh create \"" + title + "\" \"" + body + "\"");

    Seen reply = room.awaitReplyTo(command);
    List<RecordedCall> creates = github.requestsTo("POST", "/repos/o/r/issues");
    assertThat(creates).as("POST /repos/o/r/issues calls").hasSize(before + 1);
    RecordedCall create = creates.get(before);
    assertThat(create.header("Authorization"))
        .as("Authorization of the create call")
        .contains(token);
    assertThat(create.json().path("title").asText()).isEqualTo(title);
    assertThat(create.json().path("body").asText()).isEqualTo(body);
    int number =
        github.issues("o/r").stream()
            .filter(i -> i.title().equals(title))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the fake GitHub has no issue '" + title + "'"))
            .number();
    String unescaped = reply.body().replace("\\", "");
    assertThat(unescaped)
        .as("the reply, Markdown escapes removed")
        .isEqualTo(
            "Created issue [o/r#" + number + "](" + github.issueUrl("o/r", number) + "): " + title);
  }

  @Test
  @Order(21)
  void tokenPastedInAGroupRoomIsRedactedAndRefused() {
    linked();
    long mark = room.owner.mark();

    String pasted = room.send(cast.alice(), "!grapple github setpersonaltoken " + token);

    Seen refusal =
        room.awaitBotMessage(
            mark, "the refusal", body -> body.startsWith("Never send a token in a room"));
    assertThat(refusal.body()).contains("Revoke that token");
    JsonNode event = awaitRedacted(pasted);
    assertThat(event.path("content").size()).as("content of the pasted message %s", event).isZero();
    assertThat(room.owner.history(room.id).toString())
        .as("the room's history")
        .doesNotContain(token);
    assertThat(bot.logText()).as("the bot's log").doesNotContain(token);
  }

  private JsonNode awaitRedacted(String eventId) {
    long deadline = System.nanoTime() + MatrixUser.DEFAULT_TIMEOUT.toNanos();
    JsonNode event = fetchEvent(eventId);
    while (event.path("content").size() > 0 && System.nanoTime() < deadline) {
      Await.pause(Duration.ofMillis(200));
      event = fetchEvent(eventId);
    }
    return event;
  }

  private JsonNode fetchEvent(String eventId) {
    MatrixUser alice = cast.alice();
    return alice.request("GET", alice.api("rooms", room.id, "event", eventId).build(), null);
  }

  // ---- The /v1/github routes ----

  @Test
  @Order(30)
  void accountRouteAnswersWithTheLinkedLogin() {
    linked();

    Answer answer = api("/v1/github/account?userId=" + encode(cast.alice().userId));

    assertThat(answer.code()).as("GET /v1/github/account: %s", answer.body()).isEqualTo(200);
    assertThat(answer.json().path("loggedIn").asBoolean())
        .as("loggedIn in %s", answer.body())
        .isTrue();
    assertThat(answer.json().path("username").asText()).isEqualTo(LOGIN);
    assertThat(answer.json().path("organisations").isArray())
        .as("organisations in %s", answer.body())
        .isTrue();
  }

  @Test
  @Order(31)
  void repositoriesRouteListsTheLinkedUsersRepositories() {
    linked();

    Answer answer = api("/v1/github/repositories?userId=" + encode(cast.alice().userId));

    assertThat(answer.code()).as("GET /v1/github/repositories: %s", answer.body()).isEqualTo(200);
    assertThat(answer.json().path("loggedIn").asBoolean()).isTrue();
    assertThat(answer.json().path("page").asInt()).isEqualTo(1);
    List<String> names = new ArrayList<>();
    answer.json().path("repositories").forEach(r -> names.add(r.path("fullName").asText()));
    assertThat(names)
        .as("fullName of the repositories in %s", answer.body())
        .contains("o/r", "o/burst");
    RecordedCall listed = github.awaitRequestTo("GET", "/user/repos");
    assertThat(listed.header("Authorization")).contains(token);
  }

  @Test
  @Order(32)
  void routesSayNotLoggedInForAnUnlinkedUser() {
    Answer account = api("/v1/github/account?userId=" + encode(cast.bob().userId));
    Answer repositories = api("/v1/github/repositories?userId=" + encode(cast.bob().userId));

    assertThat(account.code()).as("account: %s", account.body()).isEqualTo(200);
    assertThat(account.json().path("loggedIn").asBoolean(true)).isFalse();
    assertThat(repositories.code()).as("repositories: %s", repositories.body()).isEqualTo(403);
    assertThat(repositories.json().path("errcode").asText()).isEqualTo("HS_FORBIDDEN_USER");
  }

  // ---- Restarts (these stop the bot; they run last) ----

  @Test
  @Order(40)
  void linkAndConnectionSurviveARestart() {
    connected();

    int exitCode = bot.stop();
    bot.start();

    assertThat(exitCode).as("exit code after SIGTERM").isZero();
    assertCreateWorks("After restart " + cast.runId(), "Still linked");
    Seen status = dm.sendAndAwaitReply(cast.alice(), "github status");
    assertThat(status.body()).isEqualTo("You are logged in to GitHub as `" + LOGIN + "`.");
  }

  /**
   * Then GitHub redelivers every acknowledged one (same X-GitHub-Delivery): 202, and still one
   * notice each.
   */
  @Test
  @Order(41)
  void acknowledgedEventsSurviveKillNineExactlyOnce() throws Exception {
    linked();
    TestRoom burstRoom = TestRoom.create(cast.alice(), bot, cast.bob());
    follow(burstRoom, "o/burst");
    List<String> titles = new ArrayList<>();
    for (int i = 0; i < BURST_EVENTS; i++) titles.add("burst-" + cast.runId() + "-" + i);

    List<WebhookDelivery> deliveries = new ArrayList<>();
    for (int i = 0; i < titles.size(); i++) {
      deliveries.add(
          WebhookDelivery.signed(
              "issues", issuesOpened("o/burst", 1000 + i, titles.get(i)), webhookSecret));
    }

    Set<String> acknowledged =
        ExactlyOnce.postConcurrentlyAndKill(
            titles,
            i -> status(deliveries.get(i)) == 202,
            bot,
            KILL_AFTER_ACKS,
            "github kill -9 test");
    bot.start();
    List<Integer> redelivered = new ArrayList<>();
    for (int i = 0; i < titles.size(); i++) {
      if (acknowledged.contains(titles.get(i))) redelivered.add(status(deliveries.get(i)));
    }

    assertThat(acknowledged).as("events acknowledged before the kill").isNotEmpty();
    assertThat(redelivered)
        .as("answers to GitHub redelivering the acknowledged ones after the restart")
        .containsOnly(202);
    ExactlyOnce.assertPostedExactlyOnce(
        burstRoom, titles, acknowledged, content -> content.path(ISSUE_KEY).path("title").asText());
  }

  /** The status, or -1 when the request failed (the bot was killed): not acknowledged. */
  private int status(WebhookDelivery delivery) {
    try {
      return post(delivery).code();
    } catch (IOException e) {
      return -1; // not acknowledged: may or may not be posted, but never twice
    }
  }

  @Test
  @Order(50)
  void lostKeyFileMakesTokensUnreadableAndSaysSo() {
    connected();
    Path keyFile = bot.dir.resolve("grapple.key");
    assertThat(keyFile).as("the key file beside the database").exists();

    bot.stop();
    deleteFile(keyFile);
    int logBefore = bot.logText().length();
    bot.start();

    String log = bot.logText().substring(logBefore);
    assertThat(
            log.lines()
                .filter(
                    l ->
                        l.contains(" ERROR ")
                            && l.contains(keyFile.toString())
                            && l.contains("cannot be read"))
                .toList())
        .as("ERROR lines naming %s in the log since the start:\n%s", keyFile, log)
        .isNotEmpty();
    Seen status = dm.sendAndAwaitReply(cast.alice(), "github status");
    assertThat(status.body()).contains("not logged into GitHub");
    Seen create = room.sendAndAwaitReply(cast.alice(), "!gh create \"Without a key\"");
    assertThat(create.body()).contains("not logged into GitHub").contains("setpersonaltoken");
  }

  private static void deleteFile(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new AssertionError("could not delete " + file, e);
    }
  }

  // ---- Helpers ----

  /** {@code issues.opened} for the next issue number of o/r, signed with {@code secret}. */
  private WebhookDelivery nextIssueOpened(String title, String secret) {
    return WebhookDelivery.signed("issues", issuesOpened("o/r", ++issueNumbers, title), secret);
  }

  /**
   * An octokit {@code issues.opened} example moved to {@code repo}, with the given number and
   * title.
   */
  private static byte[] issuesOpened(String repo, int number, String title) {
    GithubCorpus.Example example =
        GithubCorpus.get().webhookExamples().stream()
            .filter(e -> e.event().equals("issues") && "opened".equals(e.action()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no issues.opened example in the corpus"));
    ObjectNode payload = (ObjectNode) example.json();
    String owner = repo.substring(0, repo.indexOf('/'));
    ObjectNode repository = (ObjectNode) payload.path("repository");
    repository
        .put("full_name", repo)
        .put("name", repo.substring(repo.indexOf('/') + 1))
        .put("html_url", "https://github.com/" + repo);
    ((ObjectNode) repository.path("owner")).put("login", owner);
    ObjectNode issue = (ObjectNode) payload.path("issue");
    issue
        .put("number", number)
        .put("title", title)
        .put("html_url", "https://github.com/" + repo + "/issues/" + number);
    try {
      return MatrixUser.JSON.writeValueAsBytes(payload);
    } catch (IOException e) {
      throw new IllegalStateException("writing a payload", e);
    }
  }

  private Answer post(WebhookDelivery delivery) throws IOException {
    return poster.execute(
        delivery.request("http://127.0.0.1:" + bot.webhookPort + "/github/webhook"));
  }

  private Answer api(String pathAndQuery) {
    Request request =
        new Request.Builder()
            .url(bot.provisioningUrl() + pathAndQuery)
            .header("Authorization", "Bearer " + provisioningSecret)
            .build();
    try {
      return poster.execute(request);
    } catch (IOException e) {
      throw new AssertionError("GET " + pathAndQuery + " failed", e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
