package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.e2e.TestRoom.SecretUrl;
import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Connections made by editing room state by hand (CONTRACT.md §2). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoomStateE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();

  private final WebhookPoster poster = new WebhookPoster();
  private Cast cast;
  private TestRoom room;

  @BeforeAll
  void startBotInARoomWithCarol() {
    cast = Cast.require();
    room = watched.launchInRoom("roomstate", cast, cast.carol());
  }

  @Test
  void hookAddedAsStateSendsItsUrlByDirectMessageAndWorks() throws Exception {
    long mark = room.owner.mark();

    room.owner.putState(
        room.id, TestRoom.HOOK_EVENT_TYPE, "hand", WebhookE2E.json("{\"name\":\"hand\"}"));

    SecretUrl secret = room.awaitSecretUrl(mark);
    long posted = room.owner.mark();
    Answer answer = poster.postJson(secret.url(), "{\"text\":\"by hand\"}");
    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(202);
    assertThat(room.awaitBotMessage(posted).body()).isEqualTo("by hand");
  }

  @Test
  void invalidHookStateIsReportedInTheRoom() {
    long mark = room.owner.mark();

    room.owner.putState(
        room.id, TestRoom.HOOK_EVENT_TYPE, "x", WebhookE2E.json("{\"name\":\"x\"}"));

    Seen notice =
        room.awaitBotMessage(
            mark,
            "notice about the name rule",
            body -> body.contains("'name' must be 2-64 characters"));
    assertThat(notice.content().path("msgtype").asText()).isEqualTo("m.notice");
  }

  @Test
  void stateFromASenderWithoutPermissionIsRestored() {
    MatrixUser carol = cast.carol();
    room.owner.setPowerLevel(room.id, carol.userId, 50);
    long mark = room.owner.mark();

    carol.putState(
        room.id,
        TestRoom.HOOK_EVENT_TYPE,
        "carolhook",
        WebhookE2E.json("{\"name\":\"carolhook\"}"));

    JsonNode restored =
        room.owner.awaitStateEvent(
            room.id,
            TestRoom.HOOK_EVENT_TYPE,
            "carolhook",
            "{} sent by the bot",
            e ->
                e.path("sender").asText().equals(room.botUserId)
                    && e.path("content").isObject()
                    && e.path("content").isEmpty(),
            MatrixUser.DEFAULT_TIMEOUT);
    assertThat(restored.path("content").isEmpty()).isTrue();
    room.awaitBotMessage(
        mark, "notice naming " + carol.userId, body -> body.contains(carol.userId));
  }
}
