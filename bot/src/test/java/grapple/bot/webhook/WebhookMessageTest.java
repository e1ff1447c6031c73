package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.state.Json;
import org.junit.jupiter.api.Test;

class WebhookMessageTest {
  /** What the tests claim was received: large, so the size check always serialises. */
  private static final long RECEIVED = 1_000_000;

  private static Payload whole(JsonNode data) {
    return new Payload.Whole(data);
  }

  private static JsonNode json(String text) throws Exception {
    return Json.MAPPER.readTree(text);
  }

  /** The notice of {@code data} received whole, with the data attached. */
  private static ObjectNode message(JsonNode data) {
    return WebhookMessage.build(whole(data), true, RECEIVED);
  }

  @Test
  void textIsRenderedAsMarkdown() throws Exception {
    ObjectNode content = message(json("{\"text\":\"hello **world**\"}"));

    assertThat(content.get("msgtype").asText()).isEqualTo("m.notice");
    assertThat(content.get("body").asText()).isEqualTo("hello **world**");
    assertThat(content.get("format").asText()).isEqualTo("org.matrix.custom.html");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo("<p>hello <strong>world</strong></p>");
  }

  @Test
  void givenHtmlIsUsedInsteadOfRenderedMarkdown() throws Exception {
    ObjectNode content = message(json("{\"text\":\"plain\",\"html\":\"<b>bold</b>\"}"));

    assertThat(content.get("body").asText()).isEqualTo("plain");
    assertThat(content.get("formatted_body").asText()).isEqualTo("<b>bold</b>");
  }

  @Test
  void givenHtmlIsSanitised() throws Exception {
    ObjectNode content =
        message(
            json(
                "{\"text\":\"x\",\"html\":\"<b onclick=\\\"evil()\\\">hi</b><script>alert(1)</script>\"}"));

    assertThat(content.get("formatted_body").asText()).isEqualTo("<b>hi</b>");
  }

  /**
   * Hookshot renders the text when {@code html} is empty ({@code html || render(text)}). An empty
   * (or all-stripped) {@code html} was sent as an empty {@code formatted_body}, which Element shows
   * as a blank message.
   */
  @Test
  void emptyOrStrippedHtmlFallsBackToTheRenderedText() throws Exception {
    for (String html : new String[] {"", "<script>alert(1)</script>"}) {
      ObjectNode content = message(Json.object().put("text", "hello **world**").put("html", html));

      assertThat(content.get("formatted_body").asText())
          .as(html)
          .isEqualTo("<p>hello <strong>world</strong></p>");
    }
  }

  /**
   * Text whose rendering the sanitiser empties (only an HTML comment, a {@code <style>} or {@code
   * <script>} block) was sent with an empty {@code formatted_body}, which clients show as a blank
   * message while the body held words: then the body alone is sent.
   */
  @Test
  void textThatRendersToNothingIsSentWithoutHtml() throws Exception {
    for (String text :
        new String[] {"<!-- build 12: disk full on db-1 -->", "<style>p{}</style>", "<x-alert>"}) {
      ObjectNode content = message(Json.object().put("text", text));

      assertThat(content.get("body").asText()).as(text).isEqualTo(text);
      assertThat(content.has("formatted_body")).as(text).isFalse();
      assertThat(content.has("format")).as(text).isFalse();
    }
    Transformation.Result result =
        new Transformation.Result(
            false,
            "<script>x</script>",
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.empty());
    ObjectNode scripted =
        WebhookMessage.fromScript(result, new Payload.Whole(Json.object()), false, 2, false);
    assertThat(scripted.has("formatted_body")).isFalse();
  }

  /** As hookshot, a script's empty {@code html} is its rendered {@code plain}. */
  @Test
  void aScriptsEmptyHtmlFallsBackToItsRenderedText() {
    Transformation.Result result =
        new Transformation.Result(
            false,
            "hello **world**",
            java.util.Optional.of(""),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.empty());

    ObjectNode content =
        WebhookMessage.fromScript(result, new Payload.Whole(Json.object()), false, 2, false);

    assertThat(content.get("formatted_body").asText())
        .isEqualTo("<p>hello <strong>world</strong></p>");
  }

  @Test
  void usernamePrefixesTheText() throws Exception {
    ObjectNode content = message(json("{\"text\":\"deployed\",\"username\":\"ci-bot\"}"));

    assertThat(content.get("body").asText()).isEqualTo("**ci-bot**: deployed");
    assertThat(content.get("formatted_body").asText())
        .isEqualTo("<p><strong>ci-bot</strong>: deployed</p>");
  }

  @Test
  void aStringIsAnnouncedAsReceivedData() {
    ObjectNode content = message(TextNode.valueOf("hello there"));

    assertThat(content.get("body").asText()).isEqualTo("Received webhook data: hello there");
  }

  @Test
  void anObjectWithoutTextBecomesAJsonCodeBlockAsJavaScriptWouldIndentIt() throws Exception {
    ObjectNode content = message(json("{\"a\":\"1\",\"b\":\"two\",\"c\":{},\"d\":[]}"));

    assertThat(content.get("body").asText())
        .isEqualTo(
            "Received webhook data:\n\n```json\n\n{\n  \"a\": \"1\",\n  \"b\": \"two\",\n  \"c\": {},\n  \"d\": []\n}\n\n```");
    assertThat(content.get("formatted_body").asText())
        .contains("<pre><code class=\"language-json\">");
  }

  @Test
  void anArrayBecomesAJsonCodeBlock() throws Exception {
    ObjectNode content = message(json("[1,\"two\"]"));

    assertThat(content.get("body").asText())
        .isEqualTo("Received webhook data:\n\n```json\n\n[\n  1,\n  \"two\"\n]\n\n```");
  }

  @Test
  void theRawDataIsAttachedUnlessTurnedOff() throws Exception {
    JsonNode data = json("{\"text\":\"x\",\"extra\":1}");

    long received = data.toString().length();

    assertThat(WebhookMessage.build(whole(data), true, received).get(WebhookMessage.DATA_KEY))
        .isEqualTo(data);
    assertThat(WebhookMessage.build(whole(data), false, received).has(WebhookMessage.DATA_KEY))
        .isFalse();
  }

  /**
   * Matrix's canonical JSON has no fractions (Synapse refuses such an event with M_BAD_JSON, so the
   * message was never delivered): the attached data is made safe as hookshot makes it.
   */
  @Test
  void theAttachedDataHasNoFractionsAndIsCutDeepAndWideAsHookshotCutsIt() throws Exception {
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 12; i++) deep.append("{\"d\":");
    deep.append("1").append("}".repeat(12));
    StringBuilder wide = new StringBuilder("{");
    for (int i = 1; i <= 52; i++)
      wide.append(i == 1 ? "" : ",").append("\"k").append(i).append("\":[]");
    wide.append("}");
    JsonNode data =
        json(
            "{\"t\":21.5,\"n\":100.0,\"small\":1.5e-8,\"i\":7,\"big\":12345678901234567890,"
                + "\"list\":[0.25,{\"x\":-3.75}],\"deep\":"
                + deep
                + ",\"wide\":"
                + wide
                + "}");

    JsonNode attached =
        WebhookMessage.build(whole(data), true, data.toString().length())
            .get(WebhookMessage.DATA_KEY);

    assertThat(attached.get("t")).isEqualTo(new TextNode("21.5"));
    assertThat(attached.get("n").isIntegralNumber()).isTrue();
    assertThat(attached.get("n").asLong()).isEqualTo(100);
    assertThat(attached.get("small").asText()).isEqualTo("1.5e-8");
    assertThat(attached.get("i").asInt()).isEqualTo(7);
    assertThat(attached.get("big")).isEqualTo(new TextNode("12345678901234567890"));
    assertThat(attached.get("list").toString()).isEqualTo("[\"0.25\",{\"x\":\"-3.75\"}]");
    JsonNode level = attached.get("deep");
    for (int i = 0; i < 10; i++) level = level.get("d");
    assertThat(level).as("the object 11 levels down").isEqualTo(new TextNode("{\"d\":{\"d\":1}}"));
    assertThat(attached.get("wide").get("k50").isArray()).isTrue();
    assertThat(attached.get("wide").get("k51")).isEqualTo(new TextNode("[]"));
  }

  @Test
  void aHugeMessageDropsTheAttachedDataFirst() {
    ObjectNode data = Json.object().put("text", "short");
    data.put("blob", "x".repeat(70_000));

    ObjectNode content = message(data);

    assertThat(content.has(WebhookMessage.DATA_KEY)).isFalse();
    assertThat(content.get("body").asText()).isEqualTo("short");
    assertThat(WebhookMessage.size(content)).isLessThanOrEqualTo(WebhookMessage.MAX_CONTENT_BYTES);
  }

  @Test
  void longMentionsCountTowardsTheEventSizeLimit() {
    // 100 user ids of 500 characters are 50 KB of m.mentions: beside 9,000 characters of text
    // (27 KB in UTF-8) the event was 78 KB, and the homeserver refused it after the 202.
    ObjectNode data = Json.object().put("text", "中".repeat(9_000));
    com.fasterxml.jackson.databind.node.ArrayNode ids =
        data.putObject("mentions").putArray("user_ids");
    for (int i = 0; i < 100; i++) ids.add("@" + "u".repeat(240) + i + ":" + "h".repeat(250));

    ObjectNode content = WebhookMessage.build(whole(data), false, 1_000);

    assertThat(content.path("m.mentions").path("user_ids").size()).isEqualTo(100);
    assertThat(WebhookMessage.size(content)).isLessThanOrEqualTo(WebhookMessage.MAX_CONTENT_BYTES);
  }

  @Test
  void aHugeTextDropsTheHtmlThenIsCutToFit() {
    ObjectNode data = Json.object().put("text", "é".repeat(100_000));

    ObjectNode content = message(data);

    assertCutToFit(content, "ééé");
  }

  @Test
  void aUsernameOnACodeBlockStaysInsideTheFirstParagraph() throws Exception {
    ObjectNode content = message(json("{\"username\":\"<ci>\",\"n\":1}"));

    assertThat(content.get("body").asText()).startsWith("**<ci>**: Received webhook data:");
    assertThat(content.get("formatted_body").asText())
        .startsWith(
            "<p><strong>&lt;ci&gt;</strong>: Received webhook data:</p>\n<pre><code class=\"language-json\">");
  }

  @Test
  void codeBlockHtmlIsEscaped() throws Exception {
    ObjectNode content = message(json("{\"x\":\"</code><script>\"}"));

    assertThat(content.get("formatted_body").asText())
        .contains("&lt;/code&gt;&lt;script&gt;")
        .doesNotContain("<script>");
  }

  @Test
  void markdownLinksToScriptsAreNotLinked() throws Exception {
    ObjectNode content = message(json("{\"text\":\"[click](javascript:alert(1))\"}"));

    assertThat(content.get("formatted_body").asText()).doesNotContain("javascript:");
  }

  @Test
  void aMegabyteOfTextIsCutBeforeItIsRendered() {
    ObjectNode content =
        assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(10),
            () ->
                WebhookMessage.build(
                    whole(TextNode.valueOf("\u2039".repeat(1 << 20))), true, 3L << 20));

    assertCutToFit(content, "Received webhook data: \u2039\u2039");
  }

  @Test
  void aLargeJsonBodysMsgtypeAndMentionsAreHonouredAsASmallOnesAre() {
    // The README honours a JSON object's msgtype and mentions; over 64 KiB both were dropped.
    String body =
        "{\"text\":\"deployed\",\"msgtype\":\"m.text\",\"mentions\":{\"user_ids\":"
            + "[\"@ann:test\",\"not an id\",{\"x\":\"@deep:test\"}],\"room\":true},"
            + "\"log\":\""
            + "x".repeat(100_000)
            + "\"}";
    Payload large =
        BodyParser.parse(
            java.util.Optional.of("application/json"),
            body.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    ObjectNode content = WebhookMessage.build(large, true, body.length(), true);

    assertThat(large).isInstanceOf(Payload.Large.class);
    assertThat(content.get("body").asText()).isEqualTo("deployed");
    assertThat(content.get("msgtype").asText()).isEqualTo("m.text");
    assertThat(content.get("m.mentions"))
        .isEqualTo(
            Json.object()
                .put("room", true)
                .set("user_ids", Json.MAPPER.createArrayNode().add("@ann:test")));
  }

  @Test
  void aLargeJsonDocumentBecomesACutCodeBlockWithoutItsData() {
    Payload large =
        new Payload.Large(
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.of("ci"),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            java.util.Optional.empty(),
            "{\n  \"a\": \"" + "x".repeat(70_000));

    ObjectNode content = WebhookMessage.build(large, true, 200_000);

    assertThat(content.has(WebhookMessage.DATA_KEY)).isFalse();
    assertThat(content.get("body").asText())
        .startsWith("**ci**: Received webhook data:\n\n```json");
    assertThat(WebhookMessage.size(content)).isLessThanOrEqualTo(WebhookMessage.MAX_CONTENT_BYTES);
  }

  @Test
  void givenHtmlTooLargeToFitIsLeftOutRatherThanSanitised() {
    ObjectNode data = Json.object().put("text", "short").put("html", "<b>x</b>".repeat(100_000));

    ObjectNode content = message(data);

    assertThat(content.get("body").asText()).isEqualTo("short");
    assertThat(content.has("formatted_body")).isFalse();
  }

  /** A plain body that starts with {@code start}, cut (saying so) to fit in one event. */
  private static void assertCutToFit(ObjectNode content, String start) {
    assertThat(content.has("formatted_body")).isFalse();
    assertThat(content.get("body").asText())
        .startsWith(start)
        .endsWith("(cut: the message was too long)");
    assertThat(WebhookMessage.size(content)).isLessThanOrEqualTo(WebhookMessage.MAX_CONTENT_BYTES);
  }
}
