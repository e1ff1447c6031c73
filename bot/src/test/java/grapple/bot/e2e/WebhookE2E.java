package grapple.bot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.e2e.TestRoom.CreatedHook;
import grapple.bot.e2e.WebhookPoster.Answer;
import grapple.testing.Await;
import grapple.testing.MatrixUser;
import grapple.testing.MatrixUser.Seen;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inbound webhooks made with commands, and what a POST to one turns into (CONTRACT.md §3, §6). The
 * hooks {@code ci} and {@code deploy} are made once, by whichever test needs them first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookE2E {
  @RegisterExtension static final WatchedBot watched = new WatchedBot();
  private static final String HTML = "org.matrix.custom.html";
  private static final String WEBHOOK_DATA = "uk.half-shot.hookshot.webhook_data";

  private final WebhookPoster poster = new WebhookPoster();
  private Cast cast;
  private GrappleProcess bot;
  private TestRoom room;
  private CreatedHook ci;
  private Throwable ciFailure;
  private CreatedHook deploy;
  private int markers;

  @BeforeAll
  void startBotInARoom() {
    cast = Cast.require();
    bot = watched.watch(GrappleProcess.launch("webhook", cast));
    room = TestRoom.create(cast.alice(), bot);
  }

  /** Made by the first test that needs it; a failure is remembered, not retried by every test. */
  private CreatedHook ci() {
    if (ciFailure != null)
      throw new AssertionError("making the webhook ci failed earlier", ciFailure);
    try {
      if (ci == null) ci = room.createWebhook("ci");
      return ci;
    } catch (AssertionError | RuntimeException e) {
      ciFailure = e;
      throw e;
    }
  }

  private CreatedHook deploy() {
    ci();
    if (deploy == null) deploy = room.createWebhook("deploy");
    return deploy;
  }

  // ---- Creating webhooks with commands ----

  @Test
  void webhookCommandGetsAnHtmlReplyToTheCommand() {
    CreatedHook hook = ci();

    Seen reply = hook.reply();
    assertThat(reply.content().path("msgtype").asText())
        .as("msgtype of %s", reply)
        .isEqualTo("m.notice");
    assertThat(reply.inReplyTo()).isEqualTo(hook.commandEventId());
    assertThat(reply.content().path("format").asText()).as("format of %s", reply).isEqualTo(HTML);
    assertThat(reply.content().path("formatted_body").asText(""))
        .as("formatted_body of %s", reply)
        .isNotBlank();
  }

  @Test
  void webhookUrlArrivesInANewDirectMessageRoom() {
    CreatedHook hook = ci();

    assertThat(hook.secret().invite()).as("the bot's DM invite").isNotNull();
    assertThat(hook.secret().invite().content().path("is_direct").asBoolean(false))
        .as("is_direct in %s", hook.secret().invite())
        .isTrue();
    assertThat(hook.url())
        .matches("http://127\\.0\\.0\\.1:" + bot.webhookPort + "/webhook/[A-Za-z0-9_-]+");
  }

  @Test
  void webhookIsRoomStateUnderItsName() {
    ci();

    JsonNode event =
        room.owner.awaitStateEvent(
            room.id,
            TestRoom.HOOK_EVENT_TYPE,
            "ci",
            "a hook named ci",
            e -> e.path("content").path("name").asText().equals("ci"),
            MatrixUser.DEFAULT_TIMEOUT);

    assertThat(event.path("content").path("name").asText()).isEqualTo("ci");
  }

  @Test
  void webhookIdAppearsNowhereInTheRoom() {
    String hookId = ci().secret().hookId();

    String state = room.owner.roomState(room.id).toString();
    String timeline = room.owner.history(room.id).toString();

    assertThat(state).doesNotContain(hookId);
    assertThat(timeline).doesNotContain(hookId);
  }

  @Test
  void webhookIdNeverAppearsInTheBotsLog() {
    String hookId = ci().secret().hookId();

    String log = bot.logText();

    assertThat(log)
        .as("the bot's log (CONTRACT.md §2: secrets never go into logs)")
        .doesNotContain(hookId);
  }

  @Test
  void secondWebhookUrlArrivesInTheSameDirectMessageRoom() {
    CreatedHook first = ci();

    CreatedHook second = deploy();

    assertThat(second.secret().dmRoomId()).isEqualTo(first.secret().dmRoomId());
    assertThat(second.secret().invite()).as("a second DM invite from the bot").isNull();
    assertThat(second.url()).isNotEqualTo(first.url());
  }

  /** Grapple's own prefix, and hookshot's too. */
  @ParameterizedTest
  @ValueSource(strings = {"!grapple", "!hookshot"})
  void webhookListNamesEveryWebhook(String prefix) {
    deploy();

    String command = room.send(room.owner, prefix + " webhook list");

    String body = room.awaitReplyTo(command).body();
    assertThat(body).contains("ci").contains("deploy");
  }

  // ---- What a POST becomes ----

  @Test
  void jsonTextIsRenderedAsMarkdown() throws Exception {
    Seen message = postAndAwait("application/json", "{\"text\":\"hello **world**\"}");

    assertThat(message.body()).isEqualTo("hello **world**");
    assertThat(message.content().path("format").asText()).isEqualTo(HTML);
    assertThat(message.content().path("formatted_body").asText())
        .isEqualTo("<p>hello <strong>world</strong></p>");
    assertThat(message.content().path(WEBHOOK_DATA))
        .isEqualTo(json("{\"text\":\"hello **world**\"}"));
  }

  @Test
  void dataWithAFractionIsDeliveredWithTheFractionAsText() throws Exception {
    // Synapse refuses an event holding a JSON fraction (M_BAD_JSON "Bad JSON value: float").
    Seen message = postAndAwait("application/json", "{\"text\":\"temperature\",\"temp\":21.5}");

    assertThat(message.body()).isEqualTo("temperature");
    assertThat(message.content().path(WEBHOOK_DATA))
        .isEqualTo(json("{\"text\":\"temperature\",\"temp\":\"21.5\"}"));
  }

  @Test
  void htmlIsUsedInsteadOfRenderedMarkdown() throws Exception {
    Seen message =
        postAndAwait("application/json", "{\"text\":\"plain\",\"html\":\"<b>bold</b>\"}");

    assertThat(message.body()).isEqualTo("plain");
    assertThat(message.content().path("formatted_body").asText()).isEqualTo("<b>bold</b>");
  }

  @Test
  void usernamePrefixesTheText() throws Exception {
    Seen message =
        postAndAwait("application/json", "{\"text\":\"deployed\",\"username\":\"ci-bot\"}");

    assertThat(message.body()).isEqualTo("**ci-bot**: deployed");
    assertThat(message.content().path("formatted_body").asText())
        .isEqualTo("<p><strong>ci-bot</strong>: deployed</p>");
  }

  @Test
  void plainTextIsPostedAsReceivedData() throws Exception {
    Seen message = postAndAwait("text/plain", "hello there");

    assertThat(message.body()).isEqualTo("Received webhook data: hello there");
  }

  @Test
  void formBodyIsPostedAsAJsonCodeBlock() throws Exception {
    Seen message = postAndAwait("application/x-www-form-urlencoded", "a=1&b=two");

    assertThat(message.content().path(WEBHOOK_DATA)).isEqualTo(json("{\"a\":\"1\",\"b\":\"two\"}"));
    assertThat(message.body())
        .isEqualTo(
            "Received webhook data:\n\n```json\n\n{\n  \"a\": \"1\",\n  \"b\": \"two\"\n}\n\n```");
    assertThat(message.content().path("formatted_body").asText())
        .contains("<pre><code class=\"language-json\">");
  }

  @Test
  void xmlBodyBecomesAnObject() throws Exception {
    Seen message = postAndAwait("application/xml", "<build><status>ok</status></build>");

    assertThat(message.content().path(WEBHOOK_DATA))
        .isEqualTo(json("{\"build\":{\"status\":[\"ok\"]}}"));
  }

  @Test
  void jsonArrayIsPostedAsAJsonCodeBlock() throws Exception {
    Seen message = postAndAwait("application/json", "[1,\"two\"]");

    assertThat(message.body())
        .isEqualTo("Received webhook data:\n\n```json\n\n[\n  1,\n  \"two\"\n]\n\n```");
  }

  private Seen postAndAwait(String contentType, String body) throws Exception {
    String url = ci().url();
    long mark = room.owner.mark();

    Answer answer = poster.send("POST", url, contentType, body);

    assertAccepted(answer);
    Seen message = room.awaitBotMessage(mark);
    assertThat(message.content().path("msgtype").asText())
        .as("msgtype of %s", message)
        .isEqualTo("m.notice");
    return message;
  }

  private static void assertAccepted(Answer answer) {
    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(202);
    assertThat(answer.json()).isEqualTo(json("{\"ok\":true}"));
  }

  // ---- Bad requests: an answer, and nothing in the room ----

  @Test
  void oversizedBodyIsRefusedWith413() throws Exception {
    byte[] body =
        ("{\"text\":\"" + "a".repeat(100 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

    assertRefused(413, () -> poster.sendAndClose("POST", ci().url(), "application/json", body));
  }

  @Test
  void malformedJsonIsRefusedWith400AndAReason() throws Exception {
    Answer answer = assertRefused(400, () -> poster.postJson(ci().url(), "{\"text\":"));

    assertThat(answer.json().path("ok").isBoolean()).as("ok in %s", answer.body()).isTrue();
    assertThat(answer.json().path("ok").asBoolean()).isFalse();
    assertThat(answer.json().path("error").asText(""))
        .as("error in %s", answer.body())
        .isNotBlank();
  }

  @Test
  void unsupportedContentTypeIsRefusedWith415() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G'};

    assertRefused(415, () -> poster.send("POST", ci().url(), "image/png", png));
  }

  @Test
  void deleteIsRefusedWith405() throws Exception {
    assertRefused(405, () -> poster.send("DELETE", ci().url(), "application/json", (byte[]) null));
  }

  @Test
  void unknownHookIsRefusedWith404() throws Exception {
    Answer answer =
        assertRefused(
            404, () -> poster.postJson(bot.urlPrefix() + "doesnotexist", "{\"text\":\"lost\"}"));

    assertThat(answer.json()).isEqualTo(json("{\"ok\":false,\"error\":\"Webhook not found\"}"));
  }

  /**
   * Makes ci if no test has yet (its messages come before the mark), then sends {@code request}: it
   * is refused with {@code status}, and the bot posts nothing.
   */
  private Answer assertRefused(int status, Callable<Answer> request) throws Exception {
    ci();
    long mark = room.owner.mark();

    Answer answer = request.call();

    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(status);
    assertNothingPostedSince(mark);
    return answer;
  }

  /** Posts a marker and checks it is the bot's first message in the room since the mark. */
  private void assertNothingPostedSince(long mark) throws Exception {
    String marker = "marker-" + cast.runId() + "-" + ++markers;
    assertAccepted(poster.postJson(ci().url(), "{\"text\":\"" + marker + "\"}"));

    Seen next = room.awaitBotMessage(mark);

    assertThat(next.body())
        .as("the bot's next message after the bad request: %s", next)
        .isEqualTo(marker);
  }

  // ---- Expiry and bad arguments ----

  @Test
  void expiredWebhookAnswers404() throws Exception {
    ci(); // so that ci, not temp, is the hook that opens the DM room
    // A command's shortest expiry is an hour (hookshot's rule); room state written by hand may
    // hold any date, and the hook keeps its URL.
    CreatedHook temp = room.createWebhook("temp 1h");
    room.owner.putState(
        room.id,
        TestRoom.HOOK_EVENT_TYPE,
        "temp",
        json(
            "{\"name\":\"temp\",\"expirationDate\":\""
                + java.time.Instant.now()
                    .plusSeconds(2)
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "\"}"));

    Await.pause(Duration.ofSeconds(5));
    Answer answer = poster.postJson(temp.url(), "{\"text\":\"too late\"}");

    assertThat(answer.code()).as("status, body %s", answer.body()).isEqualTo(404);
    assertThat(answer.json()).isEqualTo(json("{\"ok\":false,\"error\":\"This hook has expired\"}"));
  }

  @Test
  void badDurationIsRefusedWithoutCreatingState() {
    room.assertWebhookRefused(room.owner, "t2 soon", "t2", "soon");
  }

  @Test
  void tooShortNameIsRefused() {
    room.assertWebhookRefused(room.owner, "x", "x", "2-64");
  }

  static JsonNode json(String text) {
    try {
      return MatrixUser.JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
