package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.BOB;
import static grapple.bot.ForgeHub.DM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.github.GithubService;
import grapple.state.Json;
import grapple.testing.github.FakeGithub;
import grapple.testing.github.GithubAppKey;
import grapple.testing.github.GithubCorpus;
import grapple.testing.github.GithubSigner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The github service with a GitHub App configured (its key in a PKCS#1 file): installation checks
 * and tokens, and the actor's comment on close and reopen notices.
 */
class GithubAppServiceTest {
  private static final GithubAppKey KEY = GithubAppKey.generate();
  private static final String TOKEN = "ghp_alice_token_000000000000000000000";
  private static final String SECRET = "webhook-secret-0123";

  @TempDir Path dir;
  @AutoClose private FakeGithub github;
  @AutoClose private TestHub hub;

  @BeforeEach
  void start() throws Exception {
    github = FakeGithub.start();
    github.app(42, KEY).slug("grapple-test");
    github.user("alice").token(TOKEN);
    github.repo("o/r").permission("alice", "write");
    github.repo("o/noapp").permission("alice", "write");
    github.installation(7, "o").repos("o/r");
    Path key = Files.writeString(dir.resolve("app.pem"), KEY.pkcs1Pem());
    String app = ", app: {id: 42, slug: grapple-test, privateKeyFile: '" + key + "'}";
    hub = ForgeHub.start(dir, new GithubService(), ForgeHub.githubYaml(github, SECRET, app));
    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken " + TOKEN))
        .isEqualTo("Connected as `alice`. Token stored.");
  }

  @Test
  void followingARepoTheAppIsNotInstalledOnSaysWhereToInstallIt() throws Exception {
    String answer =
        hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/noapp");

    assertThat(answer)
        .contains("The GitHub App is not installed on `o/noapp`")
        .contains(github.webUrl() + "/apps/grapple-test/installations/new");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  /**
   * The App's id and key do not match (or the clock is off): GitHub refuses the app's JWT with 401.
   * The user was told their own token was no longer accepted and to link their account again.
   */
  @Test
  void anAppGithubRefusesIsTheOperatorsToFixNotTheUsersToken() throws Exception {
    github.app(42, GithubAppKey.generate()).slug("grapple-test");

    String answer =
        hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r");

    assertThat(answer)
        .contains("GitHub refused the bot's GitHub App")
        .contains("`o/r`")
        .contains("ask the bot's operator")
        .doesNotContain("Link your account again");
    assertThat(hub.gateway.stateWrites()).isEmpty();
  }

  @Test
  void followingARepoTheAppIsInstalledOnWorks() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    assertThat(github.requestsTo("GET", "/repos/o/r/installation"))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).startsWith("Bearer eyJ"));
  }

  @Test
  void installingTheAppAfterARefusalLetsTheNextTryThrough() throws Exception {
    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/noapp"))
        .contains("not installed");
    github.installation(7, "o").repos("o/noapp");

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/noapp"))
        .isEqualTo("Room configured to bridge `o/noapp`");
  }

  @Test
  void hotlinksUseTheInstallationTokenForSomeoneWhoLinkedNothing() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    int number = github.repo("o/r").issue("Broken thing", "alice");

    String answer = hub.reply(TestHub.ROOM, BOB, "what about #" + number + "?");

    assertThat(answer)
        .isEqualTo(
            "Issue [#" + number + "](" + github.issueUrl("o/r", number) + "): Broken thing (open)");
    assertThat(github.requestsTo("GET", "/repos/o/r/issues/" + number))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).startsWith("Bearer ghs_"));
  }

  /**
   * GitHub revoked the installation token the bot remembered (the app was installed again, or the
   * token revoked): the next hotlink asks for a new token and is answered. It went unanswered until
   * five minutes before the old token's hour ran out.
   */
  @Test
  void aRevokedInstallationTokenIsReplacedAtOnce() throws Exception {
    follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    assertThat(hub.reply(TestHub.ROOM, BOB, "what about #" + number + "?"))
        .contains("Broken thing");
    String revoked =
        github.requestsTo("GET", "/repos/o/r/issues/" + number).get(0).header("Authorization");
    github.expire(revoked.substring("Bearer ".length()));

    String answer = hub.reply(TestHub.ROOM, BOB, "and #" + number + " again?");

    assertThat(answer).contains("Broken thing");
    assertThat(github.requestsTo("GET", "/repos/o/r/issues/" + number))
        .hasSize(3)
        .last()
        .satisfies(
            call ->
                assertThat(call.header("Authorization"))
                    .startsWith("Bearer ghs_")
                    .isNotEqualTo(revoked));
  }

  /**
   * GitHub tells the app's webhook when an installation changes (uninstalled, suspended,
   * repositories taken away or added): the bot then asks afresh which installation covers a
   * repository and for its token, instead of using what it remembered for up to ten minutes.
   */
  @Test
  void anInstallationEventMakesTheNextCallAskForTheInstallationAfresh() throws Exception {
    HookClient hooks = follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    assertThat(hub.reply(TestHub.ROOM, BOB, "what about #" + number + "?"))
        .contains("Broken thing");
    assertThat(github.requestsTo("GET", "/repos/o/r/installation"))
        .as("asked at setup, remembered for the hotlink")
        .hasSize(1);

    assertThat(post(hooks, "installation_repositories", installationEvent("removed")))
        .isEqualTo(202);
    assertThat(hub.reply(TestHub.ROOM, BOB, "and #" + number + "?")).contains("Broken thing");

    assertThat(github.requestsTo("GET", "/repos/o/r/installation")).hasSize(2);
  }

  /**
   * The App's token cannot be had (here GitHub refuses its JWT): a linked user's hotlinks are
   * answered with their own token, as without an App. They went unanswered for everyone.
   */
  @Test
  void hotlinksFallBackToTheSendersTokenWhenTheAppsTokenCannotBeHad() throws Exception {
    HookClient hooks = follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    assertThat(post(hooks, "installation_repositories", installationEvent("added"))).isEqualTo(202);
    github.app(42, GithubAppKey.generate()).slug("grapple-test");

    String answer = hub.reply(TestHub.ROOM, ALICE, "what about #" + number + "?");

    assertThat(answer).contains("Broken thing");
    assertThat(github.requestsTo("GET", "/repos/o/r/issues/" + number))
        .singleElement()
        .satisfies(call -> assertThat(call.header("Authorization")).isEqualTo("Bearer " + TOKEN));
  }

  /**
   * Hookshot's onIssueStateChange: with the App, the actor's latest comment of the last 2 minutes
   * is added to the closed notice (others' comments are not).
   */
  @Test
  void aClosedIssueNoticeCarriesTheActorsComment() throws Exception {
    HookClient hooks = follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    github
        .repo("o/r")
        .comment(number, "alice", "First try")
        .comment(number, "alice", "Fixed in 1.2");
    github.repo("o/r").comment(number, "bob", "Thanks");

    String notice = noticeOf(hooks, "issues", "issue", number, "closed");

    assertThat(notice)
        .startsWith("⬛ **alice** closed issue ")
        .endsWith(" with comment \"Fixed in 1.2\"");
    assertThat(github.requestsTo("GET", "/repos/o/r/issues/" + number + "/comments"))
        .singleElement()
        .satisfies(
            call -> {
              assertThat(call.header("Authorization")).startsWith("Bearer ghs_");
              assertThat(call.queryParameter("since")).isNotNull();
            });
  }

  /** Hookshot's onPRClosed: the same for a pull request closed unmerged. */
  @Test
  void aClosedPullRequestNoticeCarriesTheActorsComment() throws Exception {
    HookClient hooks = follow();
    int number = github.repo("o/r").pullRequest("Try this", "alice");
    github.repo("o/r").comment(number, "alice", "Not needed after all");

    String notice = noticeOf(hooks, "pull_request", "pull_request", number, "closed");

    assertThat(notice)
        .startsWith("⚫ **alice** closed PR ")
        .endsWith(" with comment \"Not needed after all\"");
  }

  /** As in hookshot, a failed look for the comment loses nothing: the notice goes without it. */
  @Test
  void aReopenedIssueNoticeGoesWithoutTheCommentWhenGithubFails() throws Exception {
    HookClient hooks = follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    github.repo("o/r").comment(number, "alice", "Not fixed");
    github.failNext("GET", "/repos/o/r/issues/" + number + "/comments", 1, 500);

    String notice = noticeOf(hooks, "issues", "issue", number, "reopened");

    assertThat(notice).startsWith("🔷 **alice** reopened issue ").doesNotContain("with comment");
  }

  /**
   * An installation token that must be fetched (or refreshed) cost up to three calls to GitHub of 3
   * seconds each, made on the webhook listener's thread that received the delivery: a slow GitHub
   * held that thread (and every webhook waiting for one). They are made on github-receiving now.
   */
  @Test
  void aSlowTokenFetchHoldsNoWebhookListenerThread() throws Exception {
    HookClient hooks = follow();
    int number = github.repo("o/r").issue("Broken thing", "alice");
    github.repo("o/r").comment(number, "alice", "Fixed");
    String tokens = "/app/installations/7/access_tokens";
    github.stallNext("POST", tokens, 1, Duration.ofSeconds(10));
    byte[] closed = stateChange("issues", "issue", number, "closed");

    CompletableFuture<Integer> answered =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(hooks, "issues", closed);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    github.awaitRequestTo("POST", tokens);

    // GitHub holds the token's answer: the thread that asked for it is waiting for it now.
    assertThat(threadsIn("grapple.bot.github.AppTokens"))
        .isNotEmpty()
        .allMatch(name -> name.startsWith("github-receiving"), "not a webhook listener's");
    assertThat(answered.get(20, TimeUnit.SECONDS)).isEqualTo(202);
    assertThat(hub.gateway.takeSent(ForgeHub.WAIT).content().path("body").asText())
        .startsWith("⬛ **alice** closed issue ");
  }

  /** The names of the threads running a method of {@code className}. */
  private static List<String> threadsIn(String className) {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(
            e ->
                Arrays.stream(e.getValue())
                    .anyMatch(frame -> frame.getClassName().equals(className)))
        .map(e -> e.getKey().getName())
        .toList();
  }

  /** The comment costs a call to GitHub: none is made for a close no room shows. */
  @Test
  void noCommentIsFetchedForACloseNoRoomShows() throws Exception {
    ObjectNode content = Json.object().put("org", "o").put("repo", "r");
    content.putArray("enableHooks").add("pull_request");
    hub.state("uk.half-shot.matrix-hookshot.github.repository", "o/r", ALICE, content);
    int number = github.repo("o/r").issue("Broken thing", "alice");
    github.repo("o/r").comment(number, "alice", "Fixed");

    assertThat(
            post(hub.webhookClient(), "issues", stateChange("issues", "issue", number, "closed")))
        .isEqualTo(202);

    assertThat(github.requestsTo("GET", "/repos/o/r/issues/" + number + "/comments")).isEmpty();
  }

  private HookClient follow() throws Exception {
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    return hub.webhookClient();
  }

  /**
   * Octokit's first {@code event} example with {@code field} (issue or pull_request) {@code number}
   * of o/r, {@code action} by alice: closed (unmerged) or reopened.
   */
  private static byte[] stateChange(String event, String field, int number, String action) {
    ObjectNode payload =
        (ObjectNode)
            GithubCorpus.get().webhookExamples().stream()
                .filter(e -> e.event().equals(event) && e.json().path(field).isObject())
                .filter(e -> "closed".equals(e.action()) || "reopened".equals(e.action()))
                .findFirst()
                .orElseThrow()
                .json();
    payload.put("action", action);
    ((ObjectNode) payload.get("repository")).put("full_name", "o/r").put("name", "r");
    ((ObjectNode) payload.get("sender")).put("login", "alice");
    ((ObjectNode) payload.get(field))
        .put("number", number)
        .put("state", action.equals("closed") ? "closed" : "open")
        .put("merged", false);
    return Json.write(payload).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The notice the room is sent once GitHub tells, as a {@code event} webhook, that alice did
   * {@code action} to {@code field} {@code number} of o/r (see {@link #stateChange}).
   */
  private String noticeOf(HookClient hooks, String event, String field, int number, String action)
      throws Exception {
    assertThat(post(hooks, event, stateChange(event, field, number, action))).isEqualTo(202);
    return hub.gateway.takeSent(ForgeHub.WAIT).content().path("body").asText();
  }

  private static int post(HookClient hooks, String event, byte[] body) throws Exception {
    return hooks
        .send(
            hooks
                .post("/github/webhook", body)
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", "d-" + event + "-" + body.length)
                .header("X-Hub-Signature-256", GithubSigner.sign(SECRET, body)))
        .statusCode();
  }

  /** An {@code installation_repositories} event of installation 7. */
  private static byte[] installationEvent(String action) {
    return Json.write(
            Json.object().put("action", action).set("installation", Json.object().put("id", 7)))
        .getBytes(StandardCharsets.UTF_8);
  }
}
