package grapple.bot;

import static grapple.bot.ForgeHub.ALICE;
import static grapple.bot.ForgeHub.DM;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.github.GithubService;
import grapple.bot.room.RoomEvent;
import grapple.state.Json;
import grapple.testing.Await;
import grapple.testing.github.FakeGithub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forge connection's own commands ({@code !gh create}) and hotlinks are recorded with the batch
 * and answered once, in room order with the {@code !grapple} commands: a batch read again does not
 * run them again, a crash before their answer leaves them to the next start, and a {@code !grapple}
 * command before them in the room is answered before them.
 */
class ForgeRoomCommandsOnceTest {
  private static final String TOKEN = "ghp_alice_token_000000000000000000000";

  /**
   * A reply that must not come (a second one, one before its turn) would have come within this: it
   * is posted from a thread that already holds what it needs.
   */
  private static final Duration SECOND_REPLY_WAIT = Duration.ofMillis(700);

  @TempDir Path dir;
  private FakeGithub github;
  private final List<TestHub> hubs = new ArrayList<>();

  @BeforeEach
  void start() {
    github = FakeGithub.start();
    github.user("alice").token(TOKEN);
    github.repo("o/r").permission("alice", "write");
  }

  @AfterEach
  void stop() {
    hubs.forEach(TestHub::close);
    github.close();
  }

  @Test
  void aBatchReadAgainRunsAForgeCommandOnceAndRepliesOnce() throws Exception {
    TestHub hub = following(Runnable::run);
    RoomEvent.Message create = message("$create", "!gh create \"Only once\"");

    hub.core.onEvent(create, false);
    hub.core.onEvent(create, false); // the batch, its position not committed, read again

    FakeGateway.Sent reply = hub.gateway.takeSent(ForgeHub.WAIT);
    assertThat(reply).isNotNull();
    assertThat(reply.content().path("body").asText()).startsWith("Created issue [o/r#1]");
    assertThat(hub.gateway.takeSent(SECOND_REPLY_WAIT)).as("a second reply").isNull();
    assertThat(github.issues("o/r")).hasSize(1);
    assertThat(hub.waiting.waiting()).isZero();
  }

  /**
   * A notice (another bridge posting a webhook's text that starts with {@code !gh}) and an edit are
   * no forge command either, as they are no {@code !grapple} command: the notice created an issue
   * with its bot's rights, the edit a second issue at every typo fixed.
   */
  @Test
  void aNoticeOrAnEditIsNotRunAsAForgeCommand() throws Exception {
    TestHub hub = following(Runnable::run);

    hub.core.onEvent(
        new RoomEvent.Message(
            TestHub.ROOM,
            "$notice",
            ALICE,
            Json.object().put("msgtype", "m.notice").put("body", "!gh create \"Posted\"")),
        false);
    hub.core.onEvent(
        relatedMessage("$edit", "!gh create \"Edited\"", "m.replace", "$create"), false);

    hub.awaitDelivered();
    assertThat(hub.gateway.takeSent(Duration.ZERO)).isNull();
    assertThat(github.issues("o/r")).isEmpty();
    assertThat(hub.waiting.waiting()).isZero();
  }

  /** A forge command sent in a thread is answered in that thread. */
  @Test
  void aForgeCommandInAThreadIsAnsweredInIt() throws Exception {
    TestHub hub = following(Runnable::run);

    hub.core.onEvent(
        relatedMessage("$create", "!gh create \"Threaded\"", "m.thread", "$root"), false);

    FakeGateway.Sent reply = hub.gateway.takeSent(ForgeHub.WAIT);
    assertThat(reply).isNotNull();
    assertThat(reply.content().path("body").asText()).startsWith("Created issue [o/r#1]");
    assertThat(reply.content().path("m.relates_to").path("rel_type").asText())
        .isEqualTo("m.thread");
    assertThat(reply.content().path("m.relates_to").path("event_id").asText()).isEqualTo("$root");
    assertThat(reply.content().path("m.relates_to").path("m.in_reply_to").path("event_id").asText())
        .isEqualTo("$create");
  }

  @Test
  void aHotlinkReadAgainIsAnsweredOnce() throws Exception {
    TestHub hub = following(Runnable::run);
    int number = github.repo("o/r").issue("Broken", "alice");
    RoomEvent.Message asked = message("$asked", "is #" + number + " fixed?");

    hub.core.onEvent(asked, false);
    hub.core.onEvent(asked, false);

    FakeGateway.Sent reply = hub.gateway.takeSent(ForgeHub.WAIT);
    assertThat(reply).isNotNull();
    assertThat(reply.content().path("body").asText()).startsWith("Issue [#" + number);
    assertThat(hub.gateway.takeSent(SECOND_REPLY_WAIT)).as("a second reply").isNull();
  }

  @Test
  void aForgeCommandRecordedButNotAnsweredBeforeACrashIsAnsweredAtTheNextStartOnce()
      throws Exception {
    TestHub crashed = following(r -> {});
    crashed.core.onEvent(message("$create", "!gh create \"After the crash\""), false);
    assertThat(crashed.waiting.waiting()).isOne();
    assertThat(github.issues("o/r")).isEmpty();
    close(crashed);

    TestHub restarted = hub(Runnable::run);
    restarted.awaitDelivered();
    List<FakeGateway.Sent> replies = replies(restarted);
    assertThat(replies).hasSize(1);
    assertThat(replies.get(0).roomId()).isEqualTo(TestHub.ROOM);
    assertThat(replies.get(0).content().path("body").asText()).startsWith("Created issue [o/r#1]");
    assertThat(github.issues("o/r")).hasSize(1);
    assertThat(restarted.waiting.waiting()).isZero();
    close(restarted);

    TestHub again = hub(Runnable::run);
    again.core.onEvent(message("$create", "!gh create \"After the crash\""), false);
    again.awaitDelivered();
    assertThat(replies(again)).as("a second answer").isEmpty();
    assertThat(github.issues("o/r")).hasSize(1);
  }

  @Test
  void aGrappleCommandBeforeAForgeCommandInTheRoomIsAnsweredFirst() throws Exception {
    List<Runnable> held = new ArrayList<>();
    TestHub hub = following(held::add);
    held.clear();

    hub.core.onEvent(message("$list", "!grapple list"), false);
    hub.core.onEvent(message("$help", "!gh help"), false);
    hub.core.onEvent(message("$create", "!gh create \"Third\""), false);
    assertThat(hub.gateway.takeSent(SECOND_REPLY_WAIT))
        .as("nothing answered before the room's turn")
        .isNull();
    while (!held.isEmpty()) held.remove(0).run();

    hub.awaitDelivered();
    List<String> inReplyTo =
        replies(hub).stream()
            .map(s -> s.content().path("m.relates_to").path("m.in_reply_to").path("event_id"))
            .map(id -> id.asText())
            .toList();
    assertThat(inReplyTo).containsExactly("$list", "$help", "$create");
  }

  @Test
  void aCommandWhoseConnectionWasRemovedBeforeItsTurnDoesNothingAndHoldsUpNothing()
      throws Exception {
    List<Runnable> held = new ArrayList<>();
    TestHub hub = following(held::add);
    held.clear();

    hub.core.onEvent(message("$create", "!gh create \"Too late\""), false);
    hub.state("uk.half-shot.matrix-hookshot.github.repository", "o/r", ALICE, Json.object());
    hub.core.onEvent(message("$list", "!grapple list"), false);
    while (!held.isEmpty()) held.remove(0).run();

    hub.awaitDelivered();
    List<FakeGateway.Sent> replies = replies(hub);
    assertThat(replies).hasSize(1);
    assertThat(replies.get(0).content().path("body").asText()).doesNotContain("o/r");
    assertThat(github.issues("o/r")).isEmpty();
    assertThat(hub.waiting.waiting()).isZero();
  }

  @Test
  void aHotlinkTwoConnectionsClaimIsAnsweredByTheFirstThatHasTheIssueOnly() throws Exception {
    github.repo("o/s").permission("alice", "write");
    TestHub hub = following(Runnable::run);
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/s"))
        .isEqualTo("Room configured to bridge `o/s`");
    int both = github.repo("o/r").issue("Broken in r", "alice");
    assertThat(github.repo("o/s").issue("Broken in s", "alice")).isEqualTo(both);
    int onlyInS = github.repo("o/s").issue("Only in s", "alice");

    hub.core.onEvent(message("$both", "is #" + both + " fixed?"), false);
    hub.core.onEvent(message("$onlyInS", "and #" + onlyInS + "?"), false);
    hub.awaitDelivered();

    String inR = github.webUrl() + "/o/r/issues/" + both;
    String inS = github.webUrl() + "/o/s/issues/" + onlyInS;
    assertThat(replies(hub))
        .extracting(s -> s.content().path("body").asText())
        .as("one answer to each message, as hookshot gives")
        .containsExactly(
            "Issue [#" + both + "](" + inR + "): Broken in r (open)",
            "Issue [#" + onlyInS + "](" + inS + "): Only in s (open)");
    assertThat(hub.waiting.waiting()).isZero();
  }

  @Test
  void aForgeCommandWhoseAnswerFailedToCommitIsNotRunAgainWhenTriedAgain() throws Exception {
    TestHub hub = following(Runnable::run);
    // The answer's transaction fails once (the disk full, a PostgreSQL failover) after GitHub did
    // what the command asked.
    hub.refuseAnswers();

    hub.core.onEvent(message("$create", "!gh create \"Only once\""), false);
    assertThat(github.issues("o/r")).hasSize(1);
    assertThat(hub.waiting.waiting()).isOne();
    hub.allowAnswers();

    FakeGateway.Sent reply = hub.gateway.takeSent(Duration.ofSeconds(15));
    assertThat(reply).as("the answer, tried again").isNotNull();
    assertThat(reply.content().path("body").asText()).startsWith("Created issue [o/r#1]");
    assertThat(github.issues("o/r")).as("issues opened").hasSize(1);
    assertThat(hub.waiting.waiting()).isZero();
  }

  /**
   * The process dies after GitHub made the issue and before the answer committed: the next start
   * finds the command marked as having asked the forge for a change, and says so instead of making
   * a second issue.
   */
  @Test
  void aForgeCommandCutShortAfterItsCallIsAnsweredSayingSoAndNotRunAgain() throws Exception {
    crashAfterAnswering(message("$create", "!gh create \"Cut short\""));
    assertThat(github.issues("o/r")).hasSize(1);

    TestHub restarted = hub(Runnable::run);
    restarted.awaitDelivered();

    List<FakeGateway.Sent> replies = replies(restarted);
    assertThat(replies).hasSize(1);
    assertThat(replies.get(0).content().path("body").asText())
        .contains("stopped while running this command", "Check whether the change was made");
    assertThat(
            replies
                .get(0)
                .content()
                .path("m.relates_to")
                .path("m.in_reply_to")
                .path("event_id")
                .asText())
        .isEqualTo("$create");
    assertThat(github.issues("o/r")).as("issues opened").hasSize(1);
    assertThat(restarted.waiting.waiting()).isZero();
  }

  /** A command that only reads from the forge is not marked: cut short, it runs again. */
  @Test
  void aForgeCommandThatOnlyReadsIsRunAgainAfterACrash() throws Exception {
    int number = github.repo("o/r").issue("Broken", "alice");
    crashAfterAnswering(message("$asked", "is #" + number + " fixed?"));

    TestHub restarted = hub(Runnable::run);
    restarted.awaitDelivered();

    assertThat(replies(restarted))
        .extracting(sent -> sent.content().path("body").asText())
        .singleElement()
        .satisfies(body -> assertThat(body).startsWith("Issue [#" + number));
  }

  /**
   * A command whose answer's transaction failed every time was given up, but the connection's
   * replies kept for its next try (so that the forge is not asked twice) stayed in memory for good:
   * one entry per such command, for as long as the bot ran.
   */
  @Test
  void aForgeCommandGivenUpKeepsNothingForItsNextTry() throws Exception {
    TestHub hub = following(r -> {});
    hub.refuseAnswers();
    hub.core.onEvent(message("$create", "!gh create \"Given up\""), false);
    assertThat(hub.waiting.waiting()).isOne();

    WaitingCommands answering =
        new WaitingCommands(
            hub.db,
            () -> grapple.state.SecretBox.of(new byte[32]),
            Runnable::run,
            Duration.ofMillis(20));
    try {
      answering.start(hub.core);
      Await.until(ForgeHub.WAIT, () -> answering.waiting() == 0);
      assertThat(github.issues("o/r")).as("the forge asked once").hasSize(1);
      assertThat(hub.core.repliesKept()).as("replies kept for a command given up").isZero();
    } finally {
      answering.close();
    }
  }

  /**
   * Hotlinks over a sender's cap of waiting commands are let go without a word (each would
   * otherwise be an answer the flooder makes the bot give); a command typed on the forge's prefix
   * over it is told why it was not taken. What was taken is answered.
   */
  @Test
  void hotlinksOverTheCapAreLetGoQuietlyAndACommandOverItIsTold() throws Exception {
    TestHub hub = following(r -> {});
    int number = github.repo("o/r").issue("Broken", "alice");
    for (int i = 0; i < WaitingCommands.SENDER_CAP + 3; i++)
      hub.core.onEvent(message("$link" + i, "is #" + number + " fixed?"), false);
    assertThat(hub.waiting.waiting()).isEqualTo(WaitingCommands.SENDER_CAP);
    hub.awaitDelivered();
    assertThat(hub.gateway.takeSent(Duration.ZERO)).as("a word about hotlinks").isNull();

    hub.core.onEvent(message("$help", "!gh help"), false);
    hub.awaitDelivered();
    List<FakeGateway.Sent> told = replies(hub);
    assertThat(told).hasSize(1);
    assertThat(told.get(0).content().path("body").asText())
        .startsWith("You have 20 commands waiting to be answered in this room;");
    assertThat(hub.waiting.waiting()).isEqualTo(WaitingCommands.SENDER_CAP);

    WaitingCommands answering =
        new WaitingCommands(hub.db, () -> grapple.state.SecretBox.of(new byte[32]), Runnable::run);
    try {
      answering.start(hub.core);
      hub.awaitDelivered();
      assertThat(replies(hub))
          .as("each hotlink taken, answered")
          .hasSize(WaitingCommands.SENDER_CAP)
          .allMatch(s -> s.content().path("body").asText().startsWith("Issue [#" + number));
      assertThat(answering.waiting()).isZero();
    } finally {
      answering.close();
    }
  }

  /**
   * A hub answers {@code m} (its forge calls made) but the answer never commits, and the process
   * dies: the command is left waiting, and what was kept in memory for another try dies with it.
   */
  /**
   * Alice's text message {@code eventId} of {@code body}, related ({@code relType}) to the event
   * {@code relatedTo}.
   */
  private static RoomEvent.Message relatedMessage(
      String eventId, String body, String relType, String relatedTo) {
    com.fasterxml.jackson.databind.node.ObjectNode text =
        Json.object().put("msgtype", "m.text").put("body", body);
    text.putObject("m.relates_to").put("rel_type", relType).put("event_id", relatedTo);
    return new RoomEvent.Message(TestHub.ROOM, eventId, ALICE, text);
  }

  private void crashAfterAnswering(RoomEvent.Message m) throws InterruptedException {
    List<Runnable> held = new ArrayList<>();
    TestHub crashed = following(held::add);
    held.clear();
    crashed.refuseAnswers();
    crashed.core.onEvent(m, false);
    held.remove(0).run();
    assertThat(crashed.waiting.waiting()).isOne();
    crashed.allowAnswers();
    close(crashed);
  }

  /** A hub answering on {@code commandThreads}, the room following o/r with Alice linked. */
  private TestHub following(Executor commandThreads) throws InterruptedException {
    TestHub hub = hub(Runnable::run);
    hub.joined(ALICE);
    hub.joinedIn(DM, ALICE);
    assertThat(hub.reply(DM, ALICE, "github setpersonaltoken " + TOKEN))
        .isEqualTo("Connected as `alice`. Token stored.");
    assertThat(hub.reply(TestHub.ROOM, ALICE, "!grapple github repo " + github.webUrl() + "/o/r"))
        .isEqualTo("Room configured to bridge `o/r`");
    close(hub);
    TestHub answering = hub(commandThreads);
    answering.joined(ALICE);
    answering.joinedIn(DM, ALICE);
    return answering;
  }

  private TestHub hub(Executor commandThreads) {
    TestHub hub =
        TestHub.answeringOn(
            dir,
            List.of(new GithubService()),
            ForgeHub.githubYaml(github, "webhook-secret-0123", ""),
            commandThreads);
    hubs.add(hub);
    return hub;
  }

  private void close(TestHub hub) {
    hub.close();
    hubs.remove(hub);
  }

  private static RoomEvent.Message message(String eventId, String body) {
    return new RoomEvent.Message(
        TestHub.ROOM, eventId, ALICE, Json.object().put("msgtype", "m.text").put("body", body));
  }

  /** The messages the bot sent in the room so far that reply to one. */
  private static List<FakeGateway.Sent> replies(TestHub hub) throws InterruptedException {
    List<FakeGateway.Sent> out = new ArrayList<>();
    for (FakeGateway.Sent sent = hub.gateway.takeSent(Duration.ZERO);
        sent != null;
        sent = hub.gateway.takeSent(Duration.ZERO)) {
      if (sent.roomId().equals(TestHub.ROOM) && sent.content().has("m.relates_to")) out.add(sent);
    }
    return out;
  }
}
