package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.BOB;
import static grapple.bot.ForgeHub.BOBS_DM;
import static grapple.bot.ForgeHub.DM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.github.GithubService;
import grapple.commands.PermissionLevel;
import grapple.commands.PermissionRule;
import grapple.state.Json;
import grapple.testing.github.FakeGithub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A room's repository connection answering {@code !gh assign} and {@code !gh workflow run} with the
 * sender's linked account, saying what to do when GitHub refuses, and ignoring users without the
 * {@code commands} permission; {@code github.defaultOptions} under a new connection.
 */
class GithubRepoCommandsTest {
  /** In the room, with no permission at all. */
  private static final String MALLORY = "@mallory:test";

  private static final String TOKEN = "ghp_alice_token_000000000000000000000";
  private static final String BOB_TOKEN = "ghp_bob_token_00000000000000000000000";
  private static final String EVENT_TYPE = "uk.half-shot.matrix-hookshot.github.repository";
  private static final List<PermissionRule> RULES =
      List.of(
          TestHub.everyService(ALICE, PermissionLevel.ADMIN),
          TestHub.everyService(BOB, PermissionLevel.ADMIN));

  @TempDir Path dir;
  @AutoClose private FakeGithub github;
  @AutoClose private TestHub hub;

  @BeforeEach
  void start() {
    github = FakeGithub.start();
    github.user("alice").token(TOKEN);
    github.user("bob").token(BOB_TOKEN);
    github
        .repo("o/r")
        .permission("alice", "write")
        .permission("bob", "write")
        .permission("carol", "write")
        .defaultBranch("trunk")
        .workflow("deploy.yml", "Deploy")
        .workflowWithoutDispatch("ci.yml", "CI");
  }

  // ---- assign

  @Test
  void assignWithoutArgumentsAssignsTheSenderToTheLatestIssue() throws Exception {
    follow("");
    github.repo("o/r").issue("Older", "carol");
    int latest = github.repo("o/r").issue("Newest", "carol");

    String answer = reply(ALICE, "!gh assign");

    assertThat(answer)
        .isEqualTo(
            "Assigned `alice` to [o/r#" + latest + "](" + github.issueUrl("o/r", latest) + ").");
    assertThat(github.issue("o/r", latest).assignees()).containsExactly("alice");
    assertThat(github.issue("o/r", latest - 1).assignees()).isEmpty();
  }

  @Test
  void assignWithANumberAndUsersTakesLoginsAndLinkedMatrixIds() throws Exception {
    follow("");
    assertThat(hub.reply(BOBS_DM, BOB, "github setpersonaltoken " + BOB_TOKEN))
        .startsWith("Connected as `bob`");
    int number = github.repo("o/r").issue("Broken", "carol");
    github.repo("o/r").issue("Later", "carol");

    String answer = reply(ALICE, "!gh assign #" + number + " carol " + BOB);

    assertThat(answer).startsWith("Assigned `carol`, `bob` to [o/r#" + number + "]");
    assertThat(github.issue("o/r", number).assignees()).containsExactly("carol", "bob");
  }

  /**
   * Hookshot's onAssign splits a single users argument on commas ({@code if (users.length === 1)
   * users = users[0].split(",")}).
   */
  @Test
  void assignWithOneCommaSeparatedArgumentAssignsEveryoneItNames() throws Exception {
    follow("");
    int number = github.repo("o/r").issue("Broken thing", "alice");

    String answer = reply(ALICE, "!gh assign " + number + " bob,carol");

    assertThat(github.issue("o/r", number).assignees())
        .as("reply was: " + answer)
        .containsExactly("bob", "carol");
    assertThat(answer).startsWith("Assigned `bob`, `carol` to [o/r#" + number + "]");
  }

  @Test
  void assignByMatrixIdUsesAnAdministratorsLinkWhenTheUserLinkedNoAccount() throws Exception {
    follow("");
    ForgeHub.githubLinkedByAnAdministrator(hub, "@carol:test", "carol");
    int number = github.repo("o/r").issue("Broken", "alice");

    String answer = reply(ALICE, "!gh assign #" + number + " @carol:test");

    assertThat(answer).startsWith("Assigned `carol` to [o/r#" + number + "]");
    assertThat(github.issue("o/r", number).assignees()).containsExactly("carol");
  }

  /**
   * GitHub silently drops assignees without access to the repository; the reply must not claim
   * them.
   */
  @Test
  void assignSaysWhomGithubDidNotAssign() throws Exception {
    follow("");
    github.user("stranger");
    int number = github.repo("o/r").issue("Broken", "carol");

    String answer = reply(ALICE, "!gh assign " + number + " carol stranger");

    assertThat(github.issue("o/r", number).assignees()).containsExactly("carol");
    assertThat(answer)
        .startsWith("Assigned `carol` to [o/r#" + number + "]")
        .contains("`stranger`")
        .doesNotContain("Assigned `carol`, `stranger`");
  }

  @Test
  void assignToAMatrixUserWhoLinkedNothingSaysToNameTheLogin() throws Exception {
    follow("");
    int number = github.repo("o/r").issue("Broken", "carol");

    String answer = reply(ALICE, "!gh assign " + number + " @nobody:test");

    assertThat(answer)
        .contains("`@nobody:test` has not linked a GitHub account")
        .contains("GitHub login");
    assertThat(github.issue("o/r", number).assignees()).isEmpty();
  }

  /** Issue 0 is refused here, not sent to GitHub (whose 404 would read as missing access). */
  @Test
  void assignToIssueZeroSaysWhatANumberMustBe() throws Exception {
    follow("");
    int before = github.requests().size();

    assertThat(reply(ALICE, "!gh assign #0 bob"))
        .contains("'number' must be an issue number (1 or more, e.g. 12 or #12), was `#0`")
        .doesNotContain("access");
    assertThat(github.requests()).hasSize(before);
  }

  @Test
  void assignWithoutIssuesAsksForANumber() throws Exception {
    follow("");

    assertThat(reply(ALICE, "!gh assign")).contains("o/r has no issues yet: give a number.");
  }

  // ---- close

  /**
   * A number that is not one is named with the rule, not called missing; issue 0 is refused here,
   * not sent to GitHub (whose 404 would read as missing access). Nothing is commented or closed.
   */
  @Test
  void closeWithSomethingThatIsNoIssueNumberSaysWhatItGot() throws Exception {
    follow("");
    int before = github.requests().size();

    assertThat(reply(ALICE, "!gh close abc fixed"))
        .contains("'number' must be an issue number (1 or more, e.g. 12 or #12), was `abc`")
        .doesNotContain("Missing");
    assertThat(reply(ALICE, "!gh close #0"))
        .contains("'number' must be an issue number")
        .contains("was `#0`");
    assertThat(reply(ALICE, "!gh close")).contains("Missing <number>");
    assertThat(github.requests()).hasSize(before);
    assertThat(github.comments("o/r")).isEmpty();
  }

  // ---- workflow run

  /**
   * A workflow run as typed, naming the workflow by its name, by the path GitHub shows for it (and
   * lists as its {@code path}) or by its file name; the ref it runs on (the default branch unless
   * one is given) and the inputs sent.
   */
  static Stream<Arguments> workflowRuns() {
    return Stream.of(
        arguments("Deploy env=prod,dry=false", "trunk", Map.of("env", "prod", "dry", "false")),
        arguments(".github/workflows/deploy.yml", "trunk", Map.of()),
        arguments("deploy.yml version=1.2 release/1.2", "release/1.2", Map.of("version", "1.2")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workflowRuns")
  void workflowRunDispatchesTheWorkflowOnItsRefWithItsInputs(
      String typed, String ref, Map<String, String> inputs) throws Exception {
    follow("");

    String answer = reply(ALICE, "!gh workflow run " + typed);

    assertThat(answer).isEqualTo("Started the workflow `Deploy` on `" + ref + "`.");
    assertThat(github.dispatches("o/r"))
        .singleElement()
        .satisfies(
            dispatch -> {
              assertThat(dispatch.workflowId())
                  .isEqualTo(github.repo("o/r").workflowId("deploy.yml"));
              assertThat(dispatch.ref()).isEqualTo(ref);
              assertThat(dispatch.inputs()).isEqualTo(Json.MAPPER.valueToTree(inputs));
              assertThat(dispatch.actor()).isEqualTo("alice");
            });
  }

  @Test
  void workflowRunOnAGivenRefDoesNotAskForTheDefaultBranch() throws Exception {
    follow("");

    reply(ALICE, "!gh workflow run deploy.yml version=1.2 release/1.2");

    assertThat(github.dispatches("o/r")).hasSize(1);
    assertThat(github.requestsTo("GET", "/repos/o/r"))
        .noneMatch(call -> call.path().equals("/repos/o/r"));
  }

  @Test
  void anUnknownWorkflowSaysHowToNameOne() throws Exception {
    follow("");

    String answer = reply(ALICE, "!gh workflow run Nope");

    assertThat(answer).contains("No workflow `Nope` in o/r").contains("file name");
    assertThat(github.dispatches("o/r")).isEmpty();
  }

  @Test
  void aWorkflowGithubWillNotDispatchRepliesWithGithubsReason() throws Exception {
    follow("");

    String answer = reply(ALICE, "!gh workflow run CI");

    assertThat(answer).startsWith("GitHub refused").contains("workflow_dispatch");
  }

  @Test
  void badInputsAreRefusedBeforeAnythingIsDispatched() throws Exception {
    follow("");

    assertThat(reply(ALICE, "!gh workflow run Deploy nonsense")).contains("k=v");
    assertThat(github.dispatches("o/r")).isEmpty();
  }

  // ---- refusals

  @Test
  void aUserWithoutTheCommandsPermissionIsToldOnceAMinuteAndGithubIsNotAsked() throws Exception {
    follow("");
    int before = github.requests().size();

    String refusal = reply(MALLORY, "!gh create \"Spam\"");
    hub.message(MALLORY, "!gh create \"Spam again\"");

    assertThat(refusal)
        .isEqualTo("Failed to handle command: You do not have permission to use this command.");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(700)))
        .as("told once a minute, not once per message")
        .isNull();
    assertThat(github.requests()).hasSize(before);
    assertThat(github.issues("o/r")).isEmpty();
  }

  @Test
  void aTokenGithubNoLongerAcceptsSaysToLinkAgain() throws Exception {
    follow("");
    github.expire(TOKEN);

    String answer = reply(ALICE, "!gh create \"Title\"");

    assertThat(answer)
        .contains("GitHub no longer accepts your token")
        .contains("`github setpersonaltoken <token>`")
        .as("no github.oauth: `github login` cannot link an account here")
        .doesNotContain("github login");
    assertThat(github.issues("o/r")).isEmpty();
  }

  /**
   * With {@code github.oauth} set up, one who linked a personal token that GitHub no longer accepts
   * (expired, revoked) is told to link a new token: they were sent to {@code github login} first.
   */
  @Test
  void aTokenUserGithubNoLongerAcceptsIsToldToLinkANewTokenEvenWithOauth() throws Exception {
    follow(
        ", oauth: {clientId: 'Iv1.grapple', clientSecret: 'client-secret-0123',"
            + " redirectUri: 'https://bot.example.org/oauth/github'}");
    github.expire(TOKEN);

    String answer = reply(ALICE, "!gh create \"Title\"");

    assertThat(answer)
        .isEqualTo(
            "GitHub no longer accepts your token. Link your account again: in a DM with me,"
                + " `github setpersonaltoken <token>` (with a new personal access token made on"
                + " GitHub).");
    assertThat(github.issues("o/r")).isEmpty();
  }

  /**
   * Without {@code github.oauth}, {@code github login} can only say it is not set up: a sender with
   * no account is told the command that links one here.
   */
  @Test
  void aSenderWithNoAccountIsToldTheWayToLinkThisBotHas() throws Exception {
    follow("");

    String answer = reply(BOB, "!gh create \"Title\"");

    assertThat(answer)
        .contains("You are not logged into GitHub")
        .contains("`github setpersonaltoken <token>`")
        .doesNotContain("github login");
    assertThat(github.issues("o/r")).isEmpty();
  }

  @Test
  void aNotFoundFromGithubSaysWhichAccessIsNeeded() throws Exception {
    follow("");
    github.failNext("POST", "/repos/o/r/issues", 1, 404);

    String answer = reply(ALICE, "!gh create \"Title\"");

    assertThat(answer).startsWith("GitHub refused").contains("access to o/r");
  }

  @Test
  void aRateLimitSaysToWaitRatherThanToAskForAccess() throws Exception {
    follow("");
    github.rateLimitNext("POST", "/repos/o/r/issues", 1, Duration.ofSeconds(60));

    String answer = reply(ALICE, "!gh create \"Title\"");

    assertThat(answer).contains("rate limit").contains("Try again").doesNotContain("push access");
  }

  @Test
  void anUnknownSubcommandPointsToHelp() throws Exception {
    follow("");

    assertThat(reply(ALICE, "!gh frobnicate"))
        .contains("Unknown command `!gh frobnicate`")
        .contains("`!gh help`")
        .doesNotContain("Did you mean");
  }

  /** A typo of a command word was answered "Unknown command" with nothing nearer than help. */
  @Test
  void aMistypedSubcommandSuggestsTheOneItIsATypoOf() throws Exception {
    follow("");

    assertThat(reply(ALICE, "!gh creat \"Title\""))
        .isEqualTo(
            "Unknown command `!gh creat`. Did you mean `!gh create`? Type `!gh help` for the"
                + " commands of this repository.");
    assertThat(github.issues("o/r")).isEmpty();
  }

  // ---- two repositories in one room

  @Test
  void aSecondRepositoryInTheRoomGetsAPrefixOfItsOwnSoEachCommandGoesToOneRepository()
      throws Exception {
    follow("");
    github.repo("o/other").permission("alice", "write");

    assertThat(
            hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/other"))
        .isEqualTo("Room configured to bridge `o/other`");
    assertThat(reply(ALICE, "!grapple list")).contains("`o/r` (commands: `!gh`)");
    assertThat(reply(ALICE, "!grapple list")).contains("`o/other` (commands: `!gh2`)");
    assertThat(reply(ALICE, "!gh2 create \"In other\"")).startsWith("Created issue [o/other#1]");

    assertThat(reply(ALICE, "!gh create \"In r\"")).startsWith("Created issue [o/r#1]");
    assertThat(github.issue("o/other", 1).title()).isEqualTo("In other");
    assertThat(github.issue("o/r", 1).title()).isEqualTo("In r");
    assertThat(github.requestsTo("POST", "/repos/o/other/issues")).hasSize(1);
  }

  // ---- defaultOptions

  @Test
  void defaultOptionsAreWrittenUnderANewConnection() throws Exception {
    follow(", defaultOptions: {commandPrefix: '!repo'}");

    ObjectNode connection = theConnectionWrittenForOR();
    assertThat(connection.path("commandPrefix").asText()).isEqualTo("!repo");
    assertThat(connection.path("org").asText()).isEqualTo("o");
    assertThat(reply(ALICE, "!repo help")).contains("!repo create <title>");
    hub.message(ALICE, "!gh help");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500))).isNull();
  }

  @Test
  void createAddsTheConnectionsNewIssueLabelsToTheGivenOnes() throws Exception {
    follow(", defaultOptions: {newIssue: {labels: [triage]}}");

    String answer = reply(ALICE, "!gh create \"Title\" \"Body text\" \"bug, ui,triage\"");

    assertThat(answer).startsWith("Created issue [o/r#1]");
    assertThat(github.issue("o/r", 1).labels()).containsExactly("triage", "bug", "ui");
    assertThat(github.issue("o/r", 1).body()).isEqualTo("Body text");
  }

  @Test
  void hotlinksAnswerWithTheSendersTokenAndNothingForSomeoneUnlinked() throws Exception {
    follow("");
    int number = github.repo("o/r").issue("Broken", "carol");

    assertThat(reply(ALICE, "is #" + number + " fixed?")).startsWith("Issue [#" + number + "]");
    hub.message(MALLORY, "and #" + number + "?");
    assertThat(hub.gateway.takeSent(Duration.ofMillis(500)))
        .as("a hotlink for someone who linked nothing")
        .isNull();
  }

  @Test
  void hotlinksOffInDefaultOptionsAnswerNothing() throws Exception {
    follow(", defaultOptions: {hotlinkIssues: false}");
    int number = github.repo("o/r").issue("Broken", "carol");

    hub.message(ALICE, "is #" + number + " fixed?");

    assertThat(hub.gateway.takeSent(Duration.ofMillis(700))).isNull();
    assertThat(github.requestsTo("GET", "/repos/o/r/issues/")).isEmpty();
  }

  @Test
  void defaultOptionsNeverReplaceTheRepositoryOfTheCommand() throws Exception {
    follow(", defaultOptions: {org: other, repo: thing, commandPrefix: '!repo'}");

    ObjectNode connection = theConnectionWrittenForOR();
    assertThat(connection.path("org").asText()).isEqualTo("o");
    assertThat(connection.path("repo").asText()).isEqualTo("r");
  }

  /** The content of the one connection state written, whose key is o/r. */
  private ObjectNode theConnectionWrittenForOR() {
    List<FakeGateway.StateWrite> writes =
        hub.gateway.stateWrites().stream().filter(w -> w.eventType().equals(EVENT_TYPE)).toList();
    assertThat(writes).hasSize(1);
    assertThat(writes.get(0).stateKey()).isEqualTo("o/r");
    return writes.get(0).content();
  }

  /**
   * A hub with {@code extraYaml} in its github section, Alice linked and the room following o/r.
   */
  private void follow(String extraYaml) throws InterruptedException {
    String yaml = ForgeHub.githubYaml(github, "webhook-secret-0123", extraYaml);
    hub = new TestHub(dir, List.of(new GithubService()), yaml, RULES);
    hub.joined(ALICE, BOB, MALLORY);
    hub.joinedIn(DM, ALICE);
    hub.joinedIn(BOBS_DM, BOB);
    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken " + TOKEN))
        .isEqualTo("Connected as `alice`. Token stored.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
  }

  private String reply(String sender, String body) throws InterruptedException {
    return hub.reply(TestHub.ROOM, sender, body);
  }
}
