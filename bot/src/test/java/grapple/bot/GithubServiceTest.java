package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.DM;
import static grapple.bot.ForgeHub.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.github.GithubService;
import grapple.state.Json;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubCorpus;
import grapple.testing.github.GithubSigner;
import grapple.testing.github.RecordedCall;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The github service as Grapple wires it, on a real SQLite file, a real webhook listener and a
 * local GitHub (FakeGithub): linking accounts, connecting rooms, the receiver, the repository
 * commands.
 */
class GithubServiceTest {
  private static final String SECRET = "webhook-secret-0123";

  /** A member of the room who has linked no GitHub account (Alice is the room's admin). */
  private static final String ADMIN = ForgeHub.BOB;

  private static final String TOKEN = "ghp_alice_token_000000000000000000000";

  @TempDir Path dir;
  @AutoClose private FakeGithub github;
  @AutoClose private TestHub hub;
  private HookClient hooks;

  @BeforeEach
  void start() throws Exception {
    github = FakeGithub.start();
    github.user("alice").token(TOKEN);
    github.repo("o/r").permission("alice", "write");
    github.repo("o/readonly").permission("alice", "read");
    hub = ForgeHub.start(dir, new GithubService(), ForgeHub.githubYaml(github, SECRET, ""));
    hooks = hub.webhookClient();
  }

  private void link() throws InterruptedException {
    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken " + TOKEN))
        .isEqualTo("Connected as `alice`. Token stored.");
  }

  private void follow() throws InterruptedException {
    link();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
  }

  @Test
  void aTokenSentInADirectChatIsCheckedAndLinked() throws Exception {
    link();
    // GET /user checks the token; GET /user/orgs, with it too, gives the link's organizations.
    assertThat(github.requestsTo("GET", "/user"))
        .extracting(RecordedCall::toString)
        .containsExactly("GET /user", "GET /user/orgs?page=1&per_page=100");
    assertThat(github.requestsTo("GET", "/user"))
        .allSatisfy(call -> assertThat(call.header("Authorization")).isEqualTo("Bearer " + TOKEN));
    assertThat(hub.reply(DM, ALICE, "github status"))
        .isEqualTo("You are logged in to GitHub as `alice`.");
    assertThat(hub.reply(DM, ALICE, "!grapple github logout")).startsWith("Logged out of GitHub");
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are not logged into GitHub");
  }

  @Test
  void aTokenSentInARoomIsRedactedRefusedAndNotStored() throws Exception {
    ForgeHub.assertTokenInTheRoomRefusedAndRedacted(
        hub, "!grapple github setpersonaltoken " + TOKEN, TOKEN);
    assertThat(github.requestsTo("GET", "/user")).isEmpty();
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are not logged into GitHub");
  }

  @Test
  void aTokenGithubRefusesIsNotStored() throws Exception {
    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken ghp_wrong"))
        .contains("GitHub does not accept that token");
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are not logged into GitHub");
  }

  /**
   * A token checked while GitHub limits the rate said "The token could not be checked: HTTP 403"
   * (or 429): nothing said that waiting is the cure, nor for how long. Then it said "the forge",
   * where every other rate-limit answer names it.
   */
  @Test
  void aTokenCheckedWhileRateLimitedSaysWhenToTryAgain() throws Exception {
    github.rateLimitNext("GET", "/user", 1, Duration.ofMinutes(5));

    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken ghp_rateLimited"))
        .contains(
            "The token could not be checked: GitHub is rate limiting requests. Try again in 5"
                + " minutes. Nothing was stored.")
        .doesNotContain("ghp_rateLimited");
    assertThat(hub.reply(DM, ALICE, "github status")).contains("You are not logged into GitHub");
  }

  @Test
  void loginWithoutOauthSetUpSaysToSendAPersonalToken() throws Exception {
    String answer = hub.reply(DM, ALICE, "github login");

    assertThat(answer).contains("not set up").contains("github setpersonaltoken <token>");
    assertThat(github.requests()).isEmpty();
  }

  @Test
  void followingARepoNeedsALinkedAccountWithPushAccess() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .contains("You are not logged into GitHub");
    link();
    assertThat(
            hub.reply(
                TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/readonly"))
        .contains("You must at least have write permissions")
        .contains("`read`");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo https://elsewhere.example/o/r"))
        .contains("must be a repository URL like");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    assertThat(hub.gateway.stateWrites())
        .anyMatch(
            w ->
                w.eventType().equals("uk.half-shot.matrix-hookshot.github.repository")
                    && w.stateKey().equals("o/r"));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github list")).contains("`o/r`");
  }

  /**
   * A 404 that is not GitHub's JSON error (a proxy's page, a wrong apiUrl) is not GitHub hiding the
   * repository from the account: the reply sent the user to ask its maintainers for access they
   * had, while the bot's GitHub URL was wrong.
   */
  @Test
  void aNotFoundPageThatIsNotGithubsErrorSaysTheUrlMayBeWrongNotToAskForAccess() throws Exception {
    link();
    github.notFoundPageNext("GET", "/repos/o/r", 1);

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .startsWith("GitHub refused: GitHub answered 404 without its API's error")
        .contains("GitHub URL may be wrong")
        .doesNotContain("needs access");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  @Test
  void aRepoUrlWithDotGitOrASlashIsTheSameRepoAndCannotBeFollowedTwice() throws Exception {
    follow();

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/O/r.git"))
        .contains("This room already follows `o/r`.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r/"))
        .contains("This room already follows `o/r`.");
    assertThat(hub.gateway.stateWrites()).hasSize(1);
  }

  @Test
  void listShowsTheRepoAndRemoveStopsItsCommandsAndEvents() throws Exception {
    follow();
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github list"))
        .isEqualTo("GitHub repositories this room follows:\n\n- `o/r` (commands: `!gh`)");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github remove " + github.webUrl() + "/O/R"))
        .isEqualTo("This room no longer follows `o/r`.");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github list"))
        .startsWith("This room follows no GitHub repository.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github remove " + github.webUrl() + "/o/r"))
        .contains("This room does not follow `o/r`.");
    hub.message(TestHub.ROOM, ALICE, "!gh help");
    byte[] body = example("issues", "opened");
    assertThat(postSigned("issues", "after-removal", body).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
  }

  @Test
  void aSignedEventBecomesOneNoticeEvenWhenRedelivered() throws Exception {
    follow();
    byte[] body = example("issues", "opened");
    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(202);
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(notice.content().path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(notice.content().path("body").asText()).startsWith("📥 **");
    assertThat(notice.content().has("uk.half-shot.matrix-hookshot.github.repo")).isTrue();
    assertThat(
            notice
                .content()
                .path("uk.half-shot.matrix-hookshot.github.issue")
                .path("number")
                .asLong())
        .isPositive();
    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("the redelivery").isNull();
  }

  /**
   * A repository renamed on GitHub: its events carry the new name, which the room following the old
   * one does not match; the room is told once (not again at a redelivery) how to follow it again.
   * It went silent with no word why.
   */
  @Test
  void aRenamedRepositoryTellsTheRoomFollowingItsOldNameOnce() throws Exception {
    follow();
    byte[] body =
        ("{\"action\":\"renamed\",\"changes\":{\"repository\":{\"name\":{\"from\":\"r\"}}},"
                + "\"repository\":{\"id\":42,\"name\":\"r2\",\"full_name\":\"o/r2\","
                + "\"owner\":{\"login\":\"o\"}},\"sender\":{\"login\":\"alice\"}}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    assertThat(postSigned("repository", "delivery-r", body).statusCode()).isEqualTo(202);
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.roomId()).isEqualTo(TestHub.ROOM);
    assertThat(notice.content().path("body").asText())
        .isEqualTo(
            "⚠️ GitHub repository `o/r` is now `o/r2`: its events no longer reach this room,"
                + " which follows it by its old name. To follow it again, send `!grapple github"
                + " remove "
                + github.webUrl()
                + "/o/r` then `!grapple github repo "
                + github.webUrl()
                + "/o/r2`.");
    assertThat(postSigned("repository", "delivery-r", body).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("the redelivery").isNull();
  }

  /**
   * A delivery whose messages could not be committed (the database refused the write, as when the
   * bot dies between taking the request in and committing it) claims nothing: GitHub's redelivery
   * of it (same X-GitHub-Delivery) is posted, once.
   */
  @Test
  void aDeliveryWhoseMessagesWereNotCommittedIsPostedWhenRedeliveredOnce() throws Exception {
    follow();
    byte[] body = example("issues", "opened");
    RefusedWrites outbox =
        RefusedWrites.refuse(hub.db, "BEFORE INSERT ON outbox", "disk I/O error");

    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(503);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(300))).isNull();
    outbox.allow();

    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).isNotNull();
    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).as("the second redelivery").isNull();
  }

  /**
   * Hand-written room state is read leniently (hookshot's older forms), but a change through the
   * API or JSON-RPC is checked as hookshot's provisioning checks it: an unknown hook name is
   * refused naming it (it was taken, and the room then silently got nothing for it).
   */
  @Test
  void aChangeThroughTheApiWithAnUnknownHookNameIsRefusedRoomStateIsNot() throws Exception {
    ForgeHub.assertUnknownHookRefusedOnChangeOnly(
        hub,
        "uk.half-shot.matrix-hookshot.github.repository",
        "o/r",
        Json.object().put("org", "o").put("repo", "r"),
        "issue",
        "issues");
  }

  /** A state key in other letters' case (an admin's hand-written state) is the same repo. */
  @Test
  void aRepoFollowedUnderAStateKeyInAnotherCaseGetsItsEvents() throws Exception {
    hub.state(
        "uk.half-shot.matrix-hookshot.github.repository",
        "O/R",
        ALICE,
        Json.object().put("org", "O").put("repo", "R"));
    byte[] body = example("issues", "opened");

    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(202);

    assertThat(hub.gateway.takeSent(WAIT)).as("the notice for o/r").isNotNull();
  }

  /**
   * Hookshot made a repo's room on a query for {@code #github_<org>_<repo>:<server>} with the
   * connection's state under GitHub's API URL of the repo ({@code repoRes.url}), not {@code
   * org/repo}: such a room gets its events, lists and removes the repo like any other.
   */
  @Test
  void aRoomHookshotMadeForARepoAliasKeyedByTheApiUrlGetsItsEventsAndCanRemoveIt()
      throws Exception {
    link();
    hub.state(
        "uk.half-shot.matrix-hookshot.github.repository",
        "https://api.github.com/repos/O/R",
        ALICE,
        Json.object().put("org", "O").put("repo", "R").put("state", "open"));
    byte[] body = example("issues", "opened");

    assertThat(postSigned("issues", "delivery-1", body).statusCode()).isEqualTo(202);
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice).as("the notice for o/r").isNotNull();
    assertThat(notice.content().path("body").asText()).startsWith("📥 **");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .as("no second connection, posting each event twice")
        .contains("This room already follows `o/r`.");

    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github remove " + github.webUrl() + "/o/r"))
        .isEqualTo("This room no longer follows `o/r`.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github list"))
        .startsWith("This room follows no GitHub repository.");
  }

  @Test
  void theLinkedActorIsMentionedAsAPillAndNobodyElseIsPinged() throws Exception {
    follow();
    github.user("Codertocat").token("ghp_codertocat_token_0000000000000000");
    hub.joinedIn("!dm-bob:test", ADMIN);
    assertThat(
            hub.reply(
                "!dm-bob:test",
                ADMIN,
                "github setpersonaltoken ghp_codertocat_token_0000000000000000"))
        .isEqualTo("Connected as `Codertocat`. Token stored.");
    byte[] body = example("issues", "opened");
    assertThat(postSigned("issues", "delivery-m", body).statusCode()).isEqualTo(202);
    ObjectNode content = hub.gateway.takeSent(WAIT).content();
    assertThat(content.path("formatted_body").asText()).contains("https://matrix.to/#/" + ADMIN);
    assertThat(content.path("m.mentions").path("user_ids"))
        .extracting(JsonNode::asText)
        .containsExactly(ADMIN);
  }

  @Test
  void anActorLinkedByAnAdministratorIsMentionedAsAPill() throws Exception {
    follow();
    ForgeHub.githubLinkedByAnAdministrator(hub, "@carol:test", "codertocat");
    byte[] body = example("issues", "opened");

    assertThat(postSigned("issues", "delivery-a", body).statusCode()).isEqualTo(202);

    ObjectNode content = hub.gateway.takeSent(WAIT).content();
    assertThat(content.path("formatted_body").asText()).contains("https://matrix.to/#/@carol:test");
    assertThat(content.path("m.mentions").path("user_ids"))
        .extracting(JsonNode::asText)
        .containsExactly("@carol:test");
  }

  /**
   * Hostile but correctly signed bodies (a leaked secret, or GitHub itself sending the unexpected):
   * truncated and bit-flipped payloads, wrong types, deep nesting, a huge title. Each is answered
   * 202 or 400, never 5xx, every posted notice fits one event, and a good event still posts after.
   */
  @Test
  void signedHostileBodiesAreAnsweredAndTheReceiverKeepsWorking() throws Exception {
    follow();
    byte[] good = example("issues", "opened");
    List<byte[]> bodies = new ArrayList<>(HostileBodies.damaged(good, 150));
    bodies.addAll(HostileBodies.hugeTitleAndWrongTypes(good, "issue", "name"));

    int i = 0;
    for (byte[] body : bodies) {
      int status = postSigned("issues", "hostile-" + i++, body).statusCode();
      assertThat(status).as("hostile body %d", i).isIn(202, 400);
    }
    HostileBodies.assertEverySentFits(hub.gateway);
    assertThat(postSigned("issues", "after-the-storm", good).statusCode()).isEqualTo(202);
    assertThat(hub.gateway.takeSent(WAIT)).as("a good event after the hostile ones").isNotNull();
  }

  /**
   * GitHub's default content type for a new webhook is {@code application/x-www-form-urlencoded}:
   * the JSON comes as the form field {@code payload}, signed as sent. Its {@code ping} was answered
   * 200 (so the hook looked set up) and every event after it 400 "The body is not JSON".
   */
  @Test
  void aFormEncodedDeliveryIsReadFromItsPayloadField() throws Exception {
    follow();
    String json = new String(example("issues", "opened"), StandardCharsets.UTF_8);
    byte[] body =
        ("payload=" + java.net.URLEncoder.encode(json, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.US_ASCII);
    HttpRequest.Builder request = signedIssuesForm(body).header("X-GitHub-Delivery", "form-1");

    assertThat(hooks.send(request).statusCode()).isEqualTo(202);

    assertThat(hub.gateway.takeSent(WAIT).content().path("body").asText()).startsWith("📥 **");
    byte[] empty = "other=1".getBytes(StandardCharsets.US_ASCII);
    HttpResponse<String> refused = hooks.send(signedIssuesForm(empty));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("payload");
    byte[] badEscape = "payload=%zz".getBytes(StandardCharsets.US_ASCII);
    HttpResponse<String> malformed = hooks.send(signedIssuesForm(badEscape));
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body())
        .as("the listener's strict form decoder names the rule")
        .contains("The form body has a malformed %-escape");
  }

  /** An {@code issues} delivery whose body is the form {@code form}, signed. */
  private HttpRequest.Builder signedIssuesForm(byte[] form) {
    return hooks
        .post("/github/webhook", form)
        .setHeader("Content-Type", "application/x-www-form-urlencoded")
        .header("X-GitHub-Event", "issues")
        .header("X-Hub-Signature-256", GithubSigner.sign(SECRET, form));
  }

  /** Two rooms following o/r that show a new PR's diff. */
  private void twoRoomsShowingDiffs() {
    hub.joinedIn("!other:test", ALICE);
    for (String room : List.of(TestHub.ROOM, "!other:test")) {
      ObjectNode content = Json.object().put("org", "o").put("repo", "r");
      content.putObject("prDiff").put("enabled", true).put("maxLines", 10);
      hub.state(room, "uk.half-shot.matrix-hookshot.github.repository", "o/r", ALICE, content);
    }
  }

  /** A new PR's diff is asked of GitHub once per delivery, not once per room following it. */
  @Test
  void aNewPullRequestsDiffIsFetchedOnceForEveryRoom() throws Exception {
    twoRoomsShowingDiffs();
    byte[] body = example("pull_request", "opened");

    assertThat(postSigned("pull_request", "pr-1", body).statusCode()).isEqualTo(202);

    assertThat(hub.gateway.takeSent(WAIT)).as("the first room's notice").isNotNull();
    assertThat(hub.gateway.takeSent(WAIT)).as("the second room's notice").isNotNull();
    assertThat(github.requestsTo("GET", "/repos/o/r/pulls/")).hasSize(1);
  }

  /**
   * The receiver asks GitHub for the diff while GitHub waits (10 seconds, then it records the
   * delivery as failed): a GitHub that hangs is given up on within seconds (the receiver's quick
   * calls end after 3 s), and the notice goes without the diff. GitHub answers with a diff here
   * after 8 s: a call that waited for it (any longer limit, such as OkHttp's 10 s read timeout)
   * would put it into the notice. No wall-clock bound: a slower machine only makes GitHub later.
   */
  @Test
  void aHangingGithubDoesNotHoldTheDeliveryPastGithubsTimeout() throws Exception {
    twoRoomsShowingDiffs();
    github.stallNext("GET", "/repos/o/r/pulls/", 5, Duration.ofSeconds(8));
    github.answerNext("GET", "/repos/o/r/pulls/", 5, 200, "\"diff --git a/README b/README\"");
    byte[] body = example("pull_request", "opened");

    int status = postSigned("pull_request", "pr-slow", body).statusCode();

    assertThat(status).isEqualTo(202);
    FakeGateway.Sent notice = hub.gateway.takeSent(WAIT);
    assertThat(notice.content().path("body").asText()).startsWith("🔵").doesNotContain("```");
    assertThat(hub.gateway.takeSent(WAIT)).as("the second room's notice").isNotNull();
  }

  /**
   * A client without a signature cannot make the bot read and hold a body of up to 25 MB: the 401
   * comes as soon as the headers have arrived (a signature that cannot be one is not worth reading
   * the body for), and the connection is closed.
   */
  @Test
  void aDeliveryWithoutASignatureIsRefusedBeforeItsBodyIsRead() throws Exception {
    long declared = 25L * 1024 * 1024;
    List<String> answers =
        List.of(
            hooks.headOnly("/github/webhook", declared, "X-GitHub-Event: issues"),
            hooks.headOnly(
                "/github/webhook",
                declared,
                "X-GitHub-Event: issues",
                "X-Hub-Signature-256: sha256=zz"),
            hooks.headOnly(
                "/github/webhook",
                declared,
                "X-GitHub-Event: issues",
                "X-Hub-Signature-256: sha1=" + "0".repeat(40)));

    for (String answer : answers)
      assertThat(answer)
          .startsWith("HTTP/1.1 401")
          .containsIgnoringCase("Connection: close")
          .contains("Missing or wrong X-Hub-Signature-256");
  }

  @Test
  void aWrongMissingOrSha1SignatureIsRefusedAndNothingPosted() throws Exception {
    follow();
    byte[] body = example("issues", "opened");
    byte[] changed = body.clone();
    changed[changed.length / 2] ^= 1;
    assertThat(post("issues", "d1", changed, GithubSigner.sign(SECRET, body)).statusCode())
        .isEqualTo(401);
    assertThat(post("issues", "d2", body, null).statusCode()).isEqualTo(401);
    assertThat(post("issues", "d3", body, GithubSigner.signSha1(SECRET, body)).statusCode())
        .isEqualTo(401);
    assertThat(post("issues", "d4", body, GithubSigner.sign("another secret", body)).statusCode())
        .isEqualTo(401);
    assertThat(post("ping", "d5", "{}".getBytes(StandardCharsets.UTF_8), null).statusCode())
        .isEqualTo(401);
    byte[] ping =
        "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> pong = postSigned("ping", "d6", ping);
    assertThat(pong.statusCode()).isEqualTo(200);
    assertThat(pong.body()).isEqualTo("{\"ok\":true}");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
  }

  @Test
  void everyOctokitExampleIsAcceptedAndTheHandledKindsPostAMessage() throws Exception {
    ObjectNode content = Json.object().put("org", "o").put("repo", "r");
    List.of("issue", "issue.comment", "pull_request", "push", "release", "workflow")
        .forEach(content.putArray("enableHooks")::add);
    hub.state("uk.half-shot.matrix-hookshot.github.repository", "o/r", ALICE, content);
    Map<String, Integer> answered = new TreeMap<>();
    List<GithubCorpus.Example> examples = GithubCorpus.get().webhookExamples();
    assertThat(examples).hasSize(329);
    int i = 0;
    for (GithubCorpus.Example example : examples) {
      byte[] body = toRepo(example.json(), "o/r");
      int status = postSigned(example.event(), "example-" + i++, body).statusCode();
      answered.merge(example.event() + " " + status, 1, Integer::sum);
      assertThat(status).as(example.label()).isEqualTo(example.event().equals("ping") ? 200 : 202);
    }
    List<String> posted = hub.gateway.bodiesUntilQuiet(Duration.ofSeconds(8));
    assertThat(posted)
        .anyMatch(b -> b.startsWith("📥"))
        .anyMatch(b -> b.contains(" pushed "))
        .anyMatch(b -> b.startsWith("🗣"))
        .anyMatch(b -> b.startsWith("🔵"))
        .anyMatch(b -> b.startsWith("📣"))
        .anyMatch(b -> b.contains("Workflow"));
    assertThat(posted.size()).isBetween(40, 329);
  }

  @Test
  void createActsWithTheSendersTokenAndRepliesWithTheLink() throws Exception {
    follow();
    String answer = hub.reply(TestHub.ROOM, ALICE, "!gh create \"Title here\" \"The body\"");
    assertThat(answer).startsWith("Created issue [o/r#").contains(": Title here");
    assertThat(github.issues("o/r"))
        .anySatisfy(
            issue -> {
              assertThat(issue.title()).isEqualTo("Title here");
              assertThat(issue.body()).isEqualTo("The body");
              assertThat(issue.author()).isEqualTo("alice");
            });
    assertThat(github.requestsTo("POST", "/repos/o/r/issues"))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).isEqualTo("Bearer " + TOKEN));
    assertThat(hub.reply(TestHub.ROOM, ADMIN, "!gh create \"Not linked\""))
        .contains("You are not logged into GitHub");
  }

  @Test
  void closeAndHelpAndHotlinks() throws Exception {
    follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gh close " + number + " fixed now"))
        .startsWith("Closed [o/r#" + number);
    assertThat(github.issue("o/r", number).isOpen()).isFalse();
    assertThat(github.comments("o/r")).anySatisfy(c -> assertThat(c.body()).isEqualTo("fixed now"));
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!gh help")).contains("!gh create <title>");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "is #" + number + " done?"))
        .isEqualTo(
            "Issue [#"
                + number
                + "]("
                + github.issueUrl("o/r", number)
                + "): Broken thing (closed)");
  }

  private byte[] example(String event, String action) {
    GithubCorpus.Example found =
        GithubCorpus.get().webhookExamples().stream()
            .filter(e -> e.event().equals(event) && action.equals(e.action()))
            .findFirst()
            .orElseThrow();
    return toRepo(found.json(), "o/r");
  }

  private static byte[] toRepo(JsonNode payload, String fullName) {
    if (payload.path("repository").isObject()) {
      ((ObjectNode) payload.get("repository"))
          .put("full_name", fullName)
          .put("name", fullName.split("/")[1]);
    }
    return Json.write(payload).getBytes(StandardCharsets.UTF_8);
  }

  /** POSTs {@code body} signed with the webhook secret. */
  private HttpResponse<String> postSigned(String event, String delivery, byte[] body)
      throws Exception {
    return post(event, delivery, body, GithubSigner.sign(SECRET, body));
  }

  private HttpResponse<String> post(String event, String delivery, byte[] body, String signature)
      throws Exception {
    HttpRequest.Builder b =
        hooks
            .post("/github/webhook", body)
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", delivery);
    if (signature != null) b.header("X-Hub-Signature-256", signature);
    return hooks.send(b);
  }

  /** The contract's order of the list and remove commands works too. */
  @Test
  void githubRepoListAndRemoveWorkInTheContractsOrder() throws Exception {
    ForgeHub.assertContractOrderListAndRemove(hub, "github", "repo");
  }

  /**
   * The example of a repository URL that replies show is one: {@code
   * https://github.com/<org>/<repo>}, not {@code https://github.com//<org>/<repo>} as OkHttp's
   * {@code https://github.com/} and a {@code "/"} made it.
   */
  @Test
  void theRepositoryUrlRepliesShowHasOneSlashBeforeTheOrg() throws Exception {
    String example = github.webUrl().replaceAll("/+$", "") + "/<org>/<repo>";
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github list"))
        .contains("`!grapple github repo " + example + "`")
        .doesNotContain("//<org>");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo nonsense"))
        .contains("like `" + example + "`")
        .doesNotContain("//<org>");
  }
}
